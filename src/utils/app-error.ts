/**
 * The one error type services throw. `code` is stable and machine-readable; `message` is
 * what clients show (several messages are fixed by the HTTP contract); `details` adds
 * fields to the JSON reply, e.g. `{accessToken: null}` or per-field validation errors.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Messages fixed by the HTTP contract; clients compare these strings. */
export const Messages = {
  signupOk: 'User was registered successfully!',
  usernameTaken: 'Failed! Username is already in use!',
  emailTaken: 'Failed! Email is already in use!',
  roleMissing: (name: string) => `Failed! Role ${name} does not exist!`,
  userNotFound: 'User Not found.',
  invalidPassword: 'Invalid Password!',
  refreshRequired: 'Refresh Token is required!',
  refreshNotFound: 'Refresh token is not in database!',
  refreshExpired: 'Refresh token was expired. Please make a new signin request',
  noToken: 'No token provided!',
  tokenExpired: 'Unauthorized! Access Token was expired!',
  unauthorized: 'Unauthorized!',
  requireRole: (label: string) => `Require ${label} Role!`,
} as const;
