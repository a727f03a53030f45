import { z } from 'zod';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import {
  forgotPasswordSchema,
  mailedTokenSchema,
  refreshTokenSchema,
  resetPasswordSchema,
  signinSchema,
  signupSchema,
} from '../validations/auth.validation';
import { listActivityQuery, listAuditQuery, signinChartQuery } from '../validations/audit.validation';
import {
  listPasskeysQuery,
  passkeyIdParams,
  passkeyOptionsSchema,
  passkeyRegisterSchema,
  passkeySigninSchema,
  renamePasskeySchema,
  signinMfaSchema,
  totpActivateSchema,
  totpEnrolSchema,
  totpStepUpSchema,
} from '../validations/mfa.validation';
import {
  auditPage,
  signinChart,
  boardText,
  factorsResetReply,
  mfaRequiredReply,
  passkeyList,
  passkeyView,
  recoveryCodesReply,
  totpEnrolment,
  webauthnOptions,
  errorReplies,
  errorReply,
  healthReply,
  messageReply,
  passwordChangedReply,
  refreshReply,
  revokedReply,
  sessionList,
  signinReply,
  userPage,
  userView,
  welcomeReply,
} from '../validations/responses';
import {
  changeEmailSchema,
  changePasswordSchema,
  listSessionsQuery,
  listUsersQuery,
  sessionIdParams,
  setRolesSchema,
  userIdParams,
  userSessionParams,
} from '../validations/user.validation';

/** package.json's version: the same path from src/docs and dist/docs. */
const PACKAGE_VERSION = (JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

// Built from the zod schemas that validate requests, so the document and the validation are
// one source. test/integration/openapi.test.ts checks that every route the app registers is
// here, and every reply a test receives is checked against it.

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input (VALIDATION_FAILED, MALFORMED_JSON) or a rule of the operation',
  401: 'Access token expired or invalid ("Unauthorized! Access Token was expired!" / "Unauthorized!")',
  403: 'Forbidden: no token ("No token provided!"), missing role, or the refresh token refused',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'Body over 100 kB',
  415: 'Body is not JSON',
  429: 'Throttled; see Retry-After',
  503: 'MongoDB is unreachable or electing a primary, or the password-hashing queue is full; retry (see Retry-After)',
};

const requestIdHeader = {
  'x-request-id': { description: 'Request id (echoed from the request when well-formed)', schema: { type: 'string' } },
} as const;

interface Ok {
  schema: z.ZodType;
  description: string;
  text?: boolean;
  /** False for the few operations that never touch the database (no 503). */
  database?: boolean;
  /** OpenAPI links: how a reply feeds the next operation (used by stateful fuzzing). */
  links?: Record<string, { operationId: string; parameters?: Record<string, string>; requestBody?: unknown }>;
}

function replies(ok: Ok, ...errors: number[]): ZodOpenApiResponsesObject {
  const responses: ZodOpenApiResponsesObject = {
    '200': {
      description: ok.description,
      headers: requestIdHeader,
      content: { [ok.text ? 'text/plain' : 'application/json']: { schema: ok.schema } },
      ...(ok.links ? { links: ok.links } : {}),
    },
  };
  for (const status of ok.database === false ? errors : [...errors, 503]) {
    (responses as Record<string, unknown>)[String(status)] = {
      description: ERROR_TEXT[status] ?? 'Error',
      headers:
        status === 429 || status === 503
          ? { ...requestIdHeader, 'Retry-After': { description: 'Seconds to wait', schema: { type: 'string' } } }
          : requestIdHeader,
      content: { 'application/json': { schema: errorReplies[status] ?? errorReply } },
    };
  }
  return responses;
}

const BODY_ERRORS = [400, 413, 415];
const TOKEN_ERRORS = [401, 403];
const accessToken: Record<string, string[]>[] = [{ accessToken: [] }, { bearerAuth: [] }];
const json = (schema: z.ZodType, required = true) => ({ required, content: { 'application/json': { schema } } });

const board = (operationId: string, summary: string, content: string, guarded: boolean): ZodOpenApiOperationObject => ({
  tags: ['boards'],
  summary,
  operationId,
  description: guarded
    ? `"${content}" for a signed-in user with the role; 403 "Require … Role!" without it, 401 for an expired or invalid token.`
    : `"${content}" for anyone: no token needed.`,
  security: guarded ? accessToken : [],
  responses: replies(
    { schema: boardText.meta({ example: content }), description: content, text: true, database: guarded },
    ...(guarded ? TOKEN_ERRORS : []),
  ),
});

const userOp = (summary: string, extra: Partial<ZodOpenApiOperationObject>, ok: z.ZodType, ...errors: number[]) => ({
  tags: ['admin'],
  summary,
  security: accessToken,
  requestParams: { path: userIdParams },
  ...extra,
  responses: replies({ schema: ok, description: 'OK' }, 400, ...TOKEN_ERRORS, ...errors),
});

export function createOpenApiDocument() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'auth-api',
      version: PACKAGE_VERSION,
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'Sign-up, sign-in, JWT access tokens, rotating refresh tokens, sessions, roles and role-guarded boards. ' +
        'Access tokens go in x-access-token or Authorization: Bearer.',
    },
    // Relative: "Try it out" calls the server that serves this document, wherever it runs.
    servers: [{ url: '/', description: 'The server that serves this document' }],
    components: {
      securitySchemes: {
        accessToken: { type: 'apiKey', in: 'header', name: 'x-access-token' },
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        refreshCookie: { type: 'apiKey', in: 'cookie', name: 'refreshToken' },
      },
    },
    tags: [
      { name: 'auth', description: 'Sign-up, sign-in (password, code, passkey), refresh and sign-out' },
      { name: 'second factors and passkeys', description: "The signed-in user's authenticator app, recovery codes and passkeys" },
      { name: 'boards', description: 'The four role-guarded boards of the original example' },
      { name: 'account', description: 'The signed-in user: profile, password, email, sessions, activity' },
      { name: 'account recovery', description: 'Password reset and email ownership through mailed links' },
      { name: 'admin', description: 'Users, roles, status, sessions and factors (admin role)' },
      { name: 'audit', description: 'The audit trail and sign-ins per hour (admin role)' },
      { name: 'health', description: 'Liveness and readiness for orchestrators and load balancers' },
    ],
    paths: {
      '/': {
        get: {
          tags: ['health'],
          summary: 'Welcome',
          description: 'Where to start: the API docs, the demo page and the admin console.',
          operationId: 'welcome',
          security: [],
          responses: replies({ schema: welcomeReply, description: 'Welcome', database: false }),
        },
      },
      '/health/live': {
        get: {
          tags: ['health'],
          summary: 'The process is up',
          description: 'Liveness: 200 while the process serves requests (restart it otherwise). Touches no database.',
          operationId: 'live',
          security: [],
          responses: replies({ schema: healthReply, description: 'Live', database: false }),
        },
      },
      '/health/ready': {
        get: {
          tags: ['health'],
          summary: 'MongoDB answers a ping',
          description: 'Readiness: 503 while MongoDB is unreachable (take the instance out of rotation). Cached for a second.',
          operationId: 'ready',
          security: [],
          responses: {
            ...replies({ schema: healthReply, description: 'Ready', database: false }),
            '503': {
              description: 'Not ready',
              headers: requestIdHeader,
              content: {
                'application/json': { schema: healthReply.meta({ id: 'NotReady', example: { status: 'unavailable', checks: { mongodb: 'failed' } } }) },
              },
            },
          },
        },
      },
      '/api/auth/signup': {
        post: {
          tags: ['auth'],
          summary: 'Register a user',
          description:
            'Roles other than "user" need the access token of an admin on this request. A weak password ' +
            '(too short, commonly used, or containing the username or email) is 400 WEAK_PASSWORD.',
          operationId: 'signup',
          security: [{}, ...accessToken],
          requestBody: json(signupSchema),
          responses: replies(
            {
              schema: messageReply,
              description: 'User was registered successfully!',
              links: {
                SignIn: {
                  operationId: 'signin',
                  requestBody: { username: '$request.body#/username', password: '$request.body#/password' },
                },
              },
            },
            ...BODY_ERRORS,
            403,
            429,
          ),
        },
      },
      '/api/auth/signin': {
        post: {
          tags: ['auth'],
          summary: 'Sign in',
          security: [],
          description:
            'With EMAIL_VERIFICATION=required, an account whose address is not verified gets 403 EMAIL_NOT_VERIFIED ' +
            '(after the password check). Failed attempts are limited per account and address and per account (429). ' +
            'An account with an authenticator app gets {mfaRequired: true, mfaToken, methods} instead of tokens: ' +
            'the sign-in continues at POST /api/auth/signin/mfa.',
          operationId: 'signin',
          requestBody: json(signinSchema),
          responses: replies(
            {
              schema: z.union([signinReply, mfaRequiredReply]),
              description: 'Signed in',
              links: {
                Refresh: { operationId: 'refreshToken', requestBody: { refreshToken: '$response.body#/refreshToken' } },
                SignOut: { operationId: 'signout', requestBody: { refreshToken: '$response.body#/refreshToken' } },
              },
            },
            ...BODY_ERRORS,
            401,
            403,
            404,
            429,
          ),
        },
      },
      '/api/auth/signin/mfa': {
        post: {
          tags: ['auth'],
          summary: 'Second step of a sign-in: the authenticator code, or a recovery code',
          description:
            'Give the mfaToken of the sign-in reply and either code (6 digits, ±30 s) or recoveryCode. A code is ' +
            'accepted once; a recovery code works once. Wrong codes are counted per pending sign-in (MFA_MAX_ATTEMPTS) ' +
            'and per user (429 TOO_MANY_MFA_ATTEMPTS). 401 INVALID_MFA_CODE / INVALID_RECOVERY_CODE; 401 ' +
            'MFA_TOKEN_INVALID when the token expired (5 min), was used, or the password changed since.',
          operationId: 'signinMfa',
          security: [],
          requestBody: json(signinMfaSchema),
          responses: replies({ schema: signinReply, description: 'Signed in' }, ...BODY_ERRORS, 401, 403, 429),
        },
      },
      '/api/auth/passkey/options': {
        post: {
          tags: ['auth'],
          summary: 'Options for a sign-in with a passkey',
          description:
            'Pass them to navigator.credentials.get() (PublicKeyCredential.parseRequestOptionsFromJSON, or ' +
            "@simplewebauthn/browser's startAuthentication). No username: the passkey names its user. The challenge " +
            'lasts 5 minutes and works once.',
          operationId: 'passkeySigninOptions',
          security: [],
          responses: replies({ schema: webauthnOptions, description: 'PublicKeyCredentialRequestOptionsJSON' }, 429),
        },
      },
      '/api/auth/passkey': {
        post: {
          tags: ['auth'],
          summary: 'Sign in with a passkey',
          description:
            'The credential the browser returned (PublicKeyCredential.toJSON()). User verification is required; the ' +
            'signature counter must move forward. The reply is that of a password sign-in. 401 PASSKEY_REFUSED.',
          operationId: 'passkeySignin',
          security: [],
          requestBody: json(passkeySigninSchema),
          responses: replies({ schema: signinReply, description: 'Signed in' }, ...BODY_ERRORS, 401, 403, 429),
        },
      },
      '/api/auth/refreshtoken': {
        post: {
          tags: ['auth'],
          summary: 'Exchange a refresh token for a new access token and a rotated refresh token',
          description:
            'The body\'s refreshToken, else the refreshToken cookie (refreshTokenTransport: "cookie" at sign-in). Each use ' +
            'rotates it; presenting a superseded token again revokes the session (403 REFRESH_TOKEN_REUSED).',
          operationId: 'refreshToken',
          security: [{}, { refreshCookie: [] }],
          requestBody: json(refreshTokenSchema, false),
          responses: replies(
            {
              schema: refreshReply,
              description: 'Refreshed',
              links: {
                RefreshAgain: { operationId: 'refreshToken', requestBody: { refreshToken: '$response.body#/refreshToken' } },
                SignOut: { operationId: 'signout', requestBody: { refreshToken: '$response.body#/refreshToken' } },
              },
            },
            ...BODY_ERRORS,
            403,
            409,
            429,
          ),
        },
      },
      '/api/auth/signout': {
        post: {
          tags: ['auth'],
          summary: "Revoke the refresh token's session (idempotent)",
          description: 'Ends the session of the body\'s token and of the cookie\'s, and clears the cookie. An unknown token is a no-op.',
          operationId: 'signout',
          security: [{}, { refreshCookie: [] }],
          requestBody: json(refreshTokenSchema, false),
          responses: replies({ schema: messageReply, description: "You've been signed out!" }, ...BODY_ERRORS, 403, 429),
        },
      },
      '/api/auth/signout-all': {
        post: {
          tags: ['auth'],
          summary: 'Revoke every session of the user',
          description: 'Every refresh token of the user stops working; access tokens run out at their expiry.',
          operationId: 'signoutEverywhere',
          security: accessToken,
          responses: replies({ schema: revokedReply, description: 'Signed out everywhere' }, ...TOKEN_ERRORS, 429),
        },
      },
      '/api/auth/forgot-password': {
        post: {
          tags: ['account recovery'],
          summary: 'Mail a password-reset link',
          description:
            'Always the same 200 whether or not an account uses the address (a disabled one gets no mail). ' +
            'Counted per address and per client address (429 TOO_MANY_EMAILS); 503 MAIL_UNAVAILABLE when the mail ' +
            'could not be handed to the SMTP server.',
          operationId: 'forgotPassword',
          security: [],
          requestBody: json(forgotPasswordSchema),
          responses: replies({ schema: messageReply, description: 'Sent, if the address is known' }, ...BODY_ERRORS, 429),
        },
      },
      '/api/auth/reset-password': {
        post: {
          tags: ['account recovery'],
          summary: 'Set a new password with the token of a reset link',
          description:
            'The token is single use, lives RESET_TOKEN_TTL_SECONDS (30 min) and works only while the account still has ' +
            'the address it was sent to. Every session ends and the address counts as verified. An unknown, used or ' +
            'expired token is 400 INVALID_TOKEN; a weak password 400 WEAK_PASSWORD (the token stays usable).',
          operationId: 'resetPassword',
          security: [],
          requestBody: json(resetPasswordSchema),
          responses: replies({ schema: messageReply, description: 'Reset' }, ...BODY_ERRORS, 429),
        },
      },
      '/api/auth/verify-email': {
        post: {
          tags: ['account recovery'],
          summary: 'Confirm the email address with the token of a verification link',
          description: 'The token is single use and lives VERIFY_TOKEN_TTL_SECONDS (24 h); 400 INVALID_TOKEN otherwise.',
          operationId: 'verifyEmail',
          security: [],
          requestBody: json(mailedTokenSchema),
          responses: replies({ schema: messageReply, description: 'Verified' }, ...BODY_ERRORS, 429),
        },
      },
      '/api/auth/confirm-email': {
        post: {
          tags: ['account recovery'],
          summary: 'Apply an email change with the token mailed to the new address',
          description: 'The old address gets a notice. 400 EMAIL_TAKEN when the address was taken meanwhile.',
          operationId: 'confirmEmail',
          security: [],
          requestBody: json(mailedTokenSchema),
          responses: replies({ schema: messageReply, description: 'Changed' }, ...BODY_ERRORS, 429),
        },
      },
      '/api/test/all': { get: board('publicBoard', 'Public board', 'Public Content.', false) },
      '/api/test/user': { get: board('userBoard', 'Any signed-in user', 'User Content.', true) },
      '/api/test/mod': { get: board('moderatorBoard', 'Moderators', 'Moderator Content.', true) },
      '/api/test/admin': { get: board('adminBoard', 'Admins', 'Admin Content.', true) },
      '/api/users/me': {
        get: {
          tags: ['account'],
          summary: 'My profile',
          description: 'The signed-in user, with roles, verification, second factors and last sign-in; never the password hash.',
          operationId: 'me',
          security: accessToken,
          responses: replies({ schema: userView, description: 'Profile' }, ...TOKEN_ERRORS, 404),
        },
      },
      '/api/users/me/password': {
        put: {
          tags: ['account'],
          summary: 'Change my password (signs out every session, and starts a new one)',
          operationId: 'changePassword',
          security: accessToken,
          requestBody: json(changePasswordSchema),
          responses: replies(
            { schema: passwordChangedReply, description: 'Changed' },
            ...BODY_ERRORS,
            ...TOKEN_ERRORS,
            404,
            409,
            429,
          ),
          description:
            'A wrong current password is 403 INVALID_PASSWORD and counts as a failed sign-in. Every session ends, ' +
            'this one included, and access tokens issued before are refused; the reply carries the tokens of a new ' +
            'session. A weak new password is 400 WEAK_PASSWORD with the rule broken.',
        },
      },
      '/api/users/me/email': {
        put: {
          tags: ['account'],
          summary: 'Change my email address (applies once the link mailed to the new address is used)',
          description:
            'Needs the current password (a wrong one is 403 INVALID_PASSWORD and counts as a failed sign-in). ' +
            '400 "Failed! Email is already in use!" (EMAIL_TAKEN) or EMAIL_UNCHANGED.',
          operationId: 'changeEmail',
          security: accessToken,
          requestBody: json(changeEmailSchema),
          responses: replies({ schema: messageReply, description: 'Confirmation mailed' }, ...BODY_ERRORS, ...TOKEN_ERRORS, 404, 429),
        },
      },
      '/api/users/me/verification-email': {
        post: {
          tags: ['account'],
          summary: 'Mail me a new verification link',
          description: '409 EMAIL_ALREADY_VERIFIED when there is nothing to verify; throttled like every mail (429).',
          operationId: 'sendVerificationEmail',
          security: accessToken,
          responses: replies({ schema: messageReply, description: 'Sent' }, ...TOKEN_ERRORS, 404, 409, 429),
        },
      },
      '/api/users/me/sessions': {
        get: {
          tags: ['account'],
          summary: 'My active sessions, most recently used first (paginated)',
          description: 'Where the account is signed in, and how (signInMethod); `current` marks the session of this request. Pass nextCursor as cursor.',
          operationId: 'listSessions',
          security: accessToken,
          requestParams: { query: listSessionsQuery },
          responses: replies(
            {
              schema: sessionList,
              description: 'Sessions',
              links: {
                RevokeSession: { operationId: 'revokeSession', parameters: { sessionId: '$response.body#/sessions/0/id' } },
              },
            },
            400,
            ...TOKEN_ERRORS,
          ),
        },
        delete: {
          tags: ['account'],
          summary: 'Revoke all my sessions but the current one',
          description: 'Signs out every other device; returns how many sessions ended.',
          operationId: 'revokeOtherSessions',
          security: accessToken,
          responses: replies({ schema: revokedReply, description: 'Revoked' }, ...TOKEN_ERRORS),
        },
      },
      '/api/users/me/activity': {
        get: {
          tags: ['account'],
          summary: 'My recent security events (sign-ins, failures, changes to the account), newest first',
          description: 'The audit trail of this account, a page at a time (kept AUDIT_RETENTION_DAYS, 90 days).',
          operationId: 'myActivity',
          security: accessToken,
          requestParams: { query: listActivityQuery },
          responses: replies({ schema: auditPage, description: 'Events' }, 400, ...TOKEN_ERRORS),
        },
      },
      '/api/users/me/sessions/{sessionId}': {
        delete: {
          tags: ['account'],
          summary: 'Revoke one of my sessions',
          description: '404 SESSION_NOT_FOUND for a session of another user (indistinguishable from none). Revoking twice is fine.',
          operationId: 'revokeSession',
          security: accessToken,
          requestParams: { path: sessionIdParams },
          responses: replies({ schema: messageReply, description: 'Revoked' }, 400, ...TOKEN_ERRORS, 404),
        },
      },
      '/api/users/me/mfa/totp': {
        post: {
          tags: ['second factors and passkeys'],
          summary: 'Start enrolling an authenticator app',
          description:
            'Needs the current password (403 INVALID_PASSWORD, counted like a failed sign-in). Returns the secret, its ' +
            'otpauth:// URL and a QR code; the app is enabled once POST /api/users/me/mfa/totp/verify gets a code ' +
            '(within 10 minutes). 409 TOTP_ALREADY_ENABLED; 503 MFA_UNAVAILABLE in production without DATA_ENCRYPTION_KEY.',
          operationId: 'enrolTotp',
          security: accessToken,
          requestBody: json(totpEnrolSchema),
          responses: replies({ schema: totpEnrolment, description: 'Pending until confirmed' }, ...BODY_ERRORS, ...TOKEN_ERRORS, 404, 409, 429),
        },
        delete: {
          tags: ['second factors and passkeys'],
          summary: 'Remove the authenticator app (and its recovery codes)',
          description: 'Needs the current password and a code or a recovery code (403 INVALID_MFA_CODE). 409 TOTP_NOT_ENABLED.',
          operationId: 'disableTotp',
          security: accessToken,
          requestBody: json(totpStepUpSchema),
          responses: replies({ schema: messageReply, description: 'Removed' }, ...BODY_ERRORS, ...TOKEN_ERRORS, 404, 409, 429),
        },
      },
      '/api/users/me/mfa/totp/verify': {
        post: {
          tags: ['second factors and passkeys'],
          summary: 'Confirm the enrolment with a first code: the app is enabled',
          description:
            'Returns the 10 recovery codes, shown this once (stored hashed). 403 INVALID_MFA_CODE; 409 TOTP_NOT_PENDING ' +
            'when no enrolment waits (or it expired).',
          operationId: 'activateTotp',
          security: accessToken,
          requestBody: json(totpActivateSchema),
          responses: replies({ schema: recoveryCodesReply, description: 'Enabled' }, ...BODY_ERRORS, ...TOKEN_ERRORS, 404, 409, 429),
        },
      },
      '/api/users/me/mfa/recovery-codes': {
        post: {
          tags: ['second factors and passkeys'],
          summary: 'New recovery codes (the old ones stop working)',
          description: 'Needs the current password and a code (or a recovery code).',
          operationId: 'regenerateRecoveryCodes',
          security: accessToken,
          requestBody: json(totpStepUpSchema),
          responses: replies({ schema: recoveryCodesReply, description: 'New codes' }, ...BODY_ERRORS, ...TOKEN_ERRORS, 404, 409, 429),
        },
      },
      '/api/users/me/passkeys/options': {
        post: {
          tags: ['second factors and passkeys'],
          summary: 'Options to register a passkey',
          description:
            'Needs the current password (a stolen access token must not add a way in). Pass the options to ' +
            'navigator.credentials.create() (PublicKeyCredential.parseCreationOptionsFromJSON, or ' +
            "@simplewebauthn/browser's startRegistration). 409 PASSKEY_LIMIT at MAX_PASSKEYS_PER_USER.",
          operationId: 'passkeyRegistrationOptions',
          security: accessToken,
          requestBody: json(passkeyOptionsSchema),
          responses: replies({ schema: webauthnOptions, description: 'PublicKeyCredentialCreationOptionsJSON' }, ...BODY_ERRORS, ...TOKEN_ERRORS, 404, 409, 429),
        },
      },
      '/api/users/me/passkeys': {
        post: {
          tags: ['second factors and passkeys'],
          summary: 'Register a passkey',
          description:
            'The credential the browser created (PublicKeyCredential.toJSON()) and an optional name. 400 PASSKEY_INVALID ' +
            '(wrong challenge, origin or RP id, no user verification); 409 PASSKEY_EXISTS or PASSKEY_LIMIT.',
          operationId: 'registerPasskey',
          security: accessToken,
          requestBody: json(passkeyRegisterSchema),
          responses: replies({ schema: passkeyView, description: 'Registered' }, ...BODY_ERRORS, ...TOKEN_ERRORS, 404, 409),
        },
        get: {
          tags: ['second factors and passkeys'],
          summary: 'My passkeys, newest first (paginated)',
          description: 'Name, creation, last use and whether each is synced (multiDevice). At most MAX_PASSKEYS_PER_USER.',
          operationId: 'listPasskeys',
          security: accessToken,
          requestParams: { query: listPasskeysQuery },
          responses: replies(
            {
              schema: passkeyList,
              description: 'Passkeys',
              links: { RemovePasskey: { operationId: 'removePasskey', parameters: { passkeyId: '$response.body#/passkeys/0/id' } } },
            },
            400,
            ...TOKEN_ERRORS,
          ),
        },
      },
      '/api/users/me/passkeys/{passkeyId}': {
        patch: {
          tags: ['second factors and passkeys'],
          summary: 'Rename a passkey',
          description: 'A name of 1 to 64 characters; 404 for a passkey of another user.',
          operationId: 'renamePasskey',
          security: accessToken,
          requestParams: { path: passkeyIdParams },
          requestBody: json(renamePasskeySchema),
          responses: replies({ schema: passkeyView, description: 'Renamed' }, ...BODY_ERRORS, ...TOKEN_ERRORS, 404),
        },
        delete: {
          tags: ['second factors and passkeys'],
          summary: 'Remove a passkey',
          description: 'It can no longer sign in; 404 for a passkey of another user.',
          operationId: 'removePasskey',
          security: accessToken,
          requestParams: { path: passkeyIdParams },
          responses: replies({ schema: messageReply, description: 'Removed' }, 400, ...TOKEN_ERRORS, 404),
        },
      },
      '/api/users': {
        get: {
          tags: ['admin'],
          summary: 'List users (admin), a page at a time',
          description:
            'Sorted by username. q: the start of a username, or of an email when q contains @ (sorted by email then), ' +
            'in any letter case. Pass nextCursor as cursor for the next page. estimatedTotal (without q) comes from ' +
            'the collection metadata: no request counts or skips over the collection.',
          operationId: 'listUsers',
          security: accessToken,
          requestParams: { query: listUsersQuery },
          responses: replies(
            {
              schema: userPage,
              description: 'A page of users',
              links: {
                GetUser: { operationId: 'getUser', parameters: { userId: '$response.body#/users/0/id' } },
                DisableUser: { operationId: 'disableUser', parameters: { userId: '$response.body#/users/0/id' } },
                EnableUser: { operationId: 'enableUser', parameters: { userId: '$response.body#/users/0/id' } },
              },
            },
            400,
            ...TOKEN_ERRORS,
          ),
        },
      },
      '/api/users/{userId}': {
        get: userOp('One user (admin)', { operationId: 'getUser', description: 'Roles, status, verification, second factors, creation and last sign-in.' }, userView, 404),
        delete: userOp(
          'Delete a user and their sessions (admin)',
          { operationId: 'deleteUser', description: 'Also their passkeys. 409 SELF_LOCKOUT for yourself, LAST_ADMIN for the last active admin.' },
          messageReply,
          404,
          409,
        ),
      },
      '/api/users/{userId}/roles': {
        put: userOp(
          'Replace the roles (admin)',
          {
            operationId: 'setRoles',
            description: 'Applies at once (within a second on other instances). 409 SELF_LOCKOUT / LAST_ADMIN when the admin role would go.',
            requestBody: json(setRolesSchema),
          },
          userView,
          404,
          409,
          413,
          415,
        ),
      },
      '/api/users/{userId}/disable': {
        post: userOp(
          'Disable: no sign-in, sessions revoked (admin)',
          { operationId: 'disableUser', description: 'Its access tokens stop working within a second. 409 SELF_LOCKOUT / LAST_ADMIN.' },
          userView,
          404,
          409,
        ),
      },
      '/api/users/{userId}/sessions': {
        get: userOp(
          "The user's active sessions, most recently used first (admin)",
          {
            operationId: 'listUserSessions',
            description: 'As GET /api/users/me/sessions, for any user; `current` is always false here.',
            requestParams: { path: userIdParams, query: listSessionsQuery },
          },
          sessionList,
          404,
        ),
        delete: userOp(
          'End every session of the user (admin)',
          { operationId: 'revokeUserSessions', description: 'Every refresh token of the user stops working.' },
          revokedReply,
          404,
        ),
      },
      '/api/users/{userId}/sessions/{sessionId}': {
        delete: userOp(
          'End one session of the user (admin)',
          {
            operationId: 'revokeUserSession',
            description: '404 SESSION_NOT_FOUND when the session is not this user\'s.',
            requestParams: { path: userSessionParams },
          },
          messageReply,
          404,
        ),
      },
      '/api/audit': {
        get: {
          tags: ['audit'],
          summary: 'The audit trail (admin): security events, newest first, filtered and paginated',
          description:
            'Filters combine: user (events about that account), type, from (inclusive) and to (exclusive). Each ' +
            'combination reads an index in order and stops at the page. Pass nextCursor as cursor, with the same filters.',
          operationId: 'listAuditEvents',
          security: accessToken,
          requestParams: { query: listAuditQuery },
          responses: replies({ schema: auditPage, description: 'Events' }, 400, ...TOKEN_ERRORS),
        },
      },
      '/api/audit/signins': {
        get: {
          tags: ['audit'],
          summary: 'Sign-ins, failed and throttled sign-ins per hour over the last day or week (admin)',
          description: 'From hourly counts kept as the events are written: 24 or 168 buckets however many sign-ins there were.',
          operationId: 'signinsPerHour',
          security: accessToken,
          requestParams: { query: signinChartQuery },
          responses: replies({ schema: signinChart, description: 'Per hour' }, 400, ...TOKEN_ERRORS),
        },
      },
      '/api/users/{userId}/mfa': {
        delete: userOp(
          "Remove the user's authenticator app, recovery codes and passkeys (admin)",
          {
            operationId: 'resetFactors',
            description: 'For a user who lost them: they sign in with the password again. 409 SELF_RESET on your own account.',
          },
          factorsResetReply,
          404,
          409,
        ),
      },
      '/api/users/{userId}/password-reset': {
        post: userOp(
          'Mail the user a password-reset link (admin)',
          { operationId: 'sendPasswordReset', description: 'Counted like every mail (429 TOO_MANY_EMAILS); 503 MAIL_UNAVAILABLE without SMTP.' },
          messageReply,
          404,
          429,
        ),
      },
      '/api/users/{userId}/enable': {
        post: userOp('Enable again (admin)', { operationId: 'enableUser', description: 'The user can sign in again (sessions ended by the disable stay ended).' }, userView, 404, 409),
      },
    },
  });
}
