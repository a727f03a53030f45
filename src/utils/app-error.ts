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
    /** Extra reply headers, e.g. Retry-After on a 429. */
    readonly headers: Readonly<Record<string, string>> = {},
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
  signedOut: "You've been signed out!",
  refreshRevoked: 'Refresh token was revoked. Please make a new signin request',
  refreshReused: 'Refresh token was already used. The session was revoked; please make a new signin request',
  accountDisabled: 'User account is disabled.',
  tooManyFailures: 'Too many failed sign-in attempts. Please try again later.',
  tooManyRequests: 'Too many requests. Please try again later.',
  accountThrottled: 'Too many failed sign-in attempts for this account. Please try again later.',
  busy: 'The service is busy; please retry shortly.',
} as const;

/** A 429 with the Retry-After header, in whole seconds (at least 1). */
export function tooManyRequests(code: string, message: string, retryAfterMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError(429, code, message, { retryAfterSeconds: seconds }, { 'Retry-After': String(seconds) });
}
