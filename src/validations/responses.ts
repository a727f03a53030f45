import { z } from 'zod';
import { SIGNIN_METHODS } from '../models/refresh-token.model';

// Shapes of the replies, for the OpenAPI document. Tests check every reply they receive
// against the document, so these cannot drift from what the service sends.

const fieldError = z.object({ field: z.string(), message: z.string() });

const errorFields = {
  message: z.string().meta({ description: 'Human-readable; several texts are fixed by the contract.' }),
  code: z.string().meta({ description: 'Stable machine-readable name' }),
};

/** The error reply of each status: its own fields, and a realistic example. */
export const errorReplies: Record<number, z.ZodType> = {
  400: z
    .object({
      ...errorFields,
      errors: z.array(fieldError).optional().meta({ description: 'Which fields failed (VALIDATION_FAILED)' }),
      rule: z
        .enum(['min_length', 'common', 'contains_username', 'contains_email'])
        .optional()
        .meta({ description: 'On WEAK_PASSWORD: the password rule that was broken' }),
    })
    .meta({
      id: 'BadRequest',
      example: {
        message: 'Invalid request: email must be a valid email address',
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'email', message: 'must be a valid email address' }],
      },
    }),
  401: z
    .object({
      ...errorFields,
      accessToken: z.null().optional().meta({ description: 'On 401 Invalid Password! (sign-in), as the original API sent' }),
    })
    .meta({ id: 'Unauthorized', example: { message: 'Unauthorized! Access Token was expired!', code: 'TOKEN_EXPIRED' } }),
  403: z.object(errorFields).meta({ id: 'Forbidden', example: { message: 'No token provided!', code: 'NO_TOKEN' } }),
  404: z.object(errorFields).meta({ id: 'NotFound', example: { message: 'User Not found.', code: 'USER_NOT_FOUND' } }),
  405: z.object(errorFields).meta({ id: 'MethodNotAllowed', example: { message: 'Method not allowed; use GET, HEAD', code: 'METHOD_NOT_ALLOWED' } }),
  409: z
    .object(errorFields)
    .meta({ id: 'Conflict', example: { message: 'This would leave no active admin; make another user admin first.', code: 'LAST_ADMIN' } }),
  413: z.object(errorFields).meta({ id: 'PayloadTooLarge', example: { message: 'Request body is too large (limit 100kb)', code: 'PAYLOAD_TOO_LARGE' } }),
  415: z
    .object(errorFields)
    .meta({ id: 'UnsupportedMediaType', example: { message: 'Unsupported request body encoding', code: 'UNSUPPORTED_MEDIA_TYPE' } }),
  429: z
    .object({ ...errorFields, retryAfterSeconds: z.number().int().min(1).meta({ description: 'As in Retry-After' }) })
    .meta({
      id: 'TooManyRequests',
      example: { message: 'Too many failed sign-in attempts. Please try again later.', code: 'TOO_MANY_FAILED_SIGNINS', retryAfterSeconds: 840 },
    }),
  503: z
    .object({ ...errorFields, retryAfterSeconds: z.number().int().min(1).optional() })
    .meta({ id: 'ServiceUnavailable', example: { message: 'The service is busy; please retry shortly.', code: 'UNAVAILABLE' } }),
};

/** Any error reply (the union of the above), for code that reads every status alike. */
export const errorReply = z
  .object({
    ...errorFields,
    errors: z.array(fieldError).optional(),
    retryAfterSeconds: z.number().int().min(1).optional(),
    accessToken: z.null().optional(),
    rule: z.enum(['min_length', 'common', 'contains_username', 'contains_email']).optional(),
  })
  .meta({ id: 'Error' });

export const messageReply = z.object({ message: z.string() }).meta({ id: 'Message' });

export const welcomeReply = z
  .object({ message: z.string(), docs: z.string(), demo: z.string(), admin: z.string() })
  .meta({ id: 'Welcome' });

export const signinReply = z
  .object({
    id: z.string(),
    username: z.string(),
    email: z.string(),
    roles: z.array(z.string()).meta({ example: ['ROLE_USER'] }),
    emailVerified: z.boolean().meta({ description: 'The user used a verification or reset link sent to their address' }),
    accessToken: z.string().meta({ description: 'JWT (HS256); send it as x-access-token or Authorization: Bearer' }),
    refreshToken: z.string().optional().meta({
      description: 'Opaque; absent when it was set as a cookie instead (refreshTokenTransport: "cookie")',
    }),
  })
  .meta({ id: 'SigninReply' });

export const refreshReply = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string().optional().meta({ description: 'The rotated token; absent in cookie transport' }),
  })
  .meta({ id: 'RefreshReply' });

export const passwordChangedReply = z
  .object({
    message: z.string(),
    revokedSessions: z.number().int().meta({ description: 'Sessions ended, the one of this request included' }),
    accessToken: z.string().meta({ description: 'For the new session; tokens issued before the change are refused' }),
    refreshToken: z.string().optional().meta({ description: 'The new session\'s; absent in cookie transport' }),
  })
  .meta({ id: 'PasswordChanged' });

export const revokedReply = z
  .object({ message: z.string(), revokedSessions: z.number().int() })
  .meta({ id: 'RevokedSessions' });

const dateTime = z.iso.datetime();

export const userView = z
  .object({
    id: z.string(),
    username: z.string(),
    email: z.string(),
    roles: z.array(z.string()),
    disabled: z.boolean(),
    emailVerified: z.boolean(),
    mfa: z
      .object({
        totp: z.boolean().meta({ description: 'An authenticator app is enabled: sign-in asks for its code' }),
        recoveryCodesLeft: z.number().int(),
        passkeys: z.number().int().meta({ description: 'Passkeys registered' }),
      })
      .meta({ example: { totp: false, recoveryCodesLeft: 0, passkeys: 0 } }),
    lastSigninAt: dateTime.nullable().meta({ description: 'The last completed sign-in (any method); null before the first' }),
    createdAt: dateTime,
    updatedAt: dateTime,
  })
  .meta({ id: 'User' });

export const userPage = z
  .object({
    users: z.array(userView),
    limit: z.number().int(),
    nextCursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last page' }),
    estimatedTotal: z
      .number()
      .int()
      .optional()
      .meta({ description: 'Without q: all users, from the collection metadata (no count scan; may lag slightly)' }),
  })
  .meta({ id: 'UserPage' });

export const sessionList = z
  .object({
    sessions: z.array(
      z.object({
        id: z.string(),
        createdAt: dateTime,
        lastUsedAt: dateTime,
        expiresAt: dateTime,
        userAgent: z.string().nullable(),
        ip: z.string().nullable(),
        signInMethod: z
          .enum(SIGNIN_METHODS)
          .nullable()
          .meta({ description: 'How the session signed in (null for sessions older than the record of it)' }),
        current: z.boolean().meta({ description: 'The session of the access token used for this request' }),
      }),
    ),
    nextCursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last page' }),
  })
  .meta({ id: 'SessionList' });

export const healthReply = z
  .object({ status: z.enum(['ok', 'unavailable']), checks: z.record(z.string(), z.enum(['ok', 'failed'])).optional() })
  .meta({ id: 'Health' });

export const boardText = z.string().meta({ example: 'User Content.' });

export const mfaRequiredReply = z
  .object({
    mfaRequired: z.literal(true),
    mfaToken: z.string().meta({ description: 'Pass to POST /api/auth/signin/mfa with a code; single use, for MFA_TOKEN_TTL_SECONDS (5 min)' }),
    methods: z.array(z.enum(['totp', 'recovery_code'])),
  })
  .meta({ id: 'MfaRequired' });

export const totpEnrolment = z
  .object({
    secret: z.string().meta({ description: 'Base32, for apps that cannot scan', example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' }),
    otpauthUrl: z.string().meta({ example: 'otpauth://totp/auth-api:alice?issuer=auth-api&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30' }),
    qrCode: z.string().meta({ description: 'The otpauth URL as a QR code: an SVG image as a data: URL' }),
    expiresAt: dateTime.meta({ description: 'Confirm with a code before this, or start again' }),
  })
  .meta({ id: 'TotpEnrolment' });

export const recoveryCodesReply = z
  .object({
    recoveryCodes: z
      .array(z.string())
      .meta({ description: 'Shown this once; each works once in place of a code', example: ['ABCD-EFGH-JKLM-NPQR'] }),
  })
  .meta({ id: 'RecoveryCodes' });

export const passkeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: dateTime,
    lastUsedAt: dateTime.nullable(),
    deviceType: z.enum(['singleDevice', 'multiDevice']).nullable().meta({ description: 'multiDevice: synced (survives a lost device)' }),
    backedUp: z.boolean().nullable(),
  })
  .meta({ id: 'Passkey' });

export const passkeyList = z
  .object({
    passkeys: z.array(passkeyView),
    nextCursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last page' }),
  })
  .meta({ id: 'PasskeyList' });

/** The WebAuthn options as the browser's PublicKeyCredential.parse*OptionsFromJSON (or @simplewebauthn/browser) takes them. */
export const webauthnOptions = z
  .object({ challenge: z.string(), rpId: z.string().optional(), rp: z.object({ id: z.string().optional(), name: z.string() }).optional() })
  .loose()
  .meta({ id: 'WebAuthnOptions', description: 'PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON' });

export const factorsResetReply = z
  .object({ message: z.string(), totpRemoved: z.boolean(), passkeysRemoved: z.number().int() })
  .meta({ id: 'FactorsReset' });

export const auditEventView = z
  .object({
    id: z.string(),
    at: dateTime,
    type: z.string().meta({ example: 'signin_failed' }),
    actor: z.object({
      kind: z.enum(['user', 'admin', 'system']),
      id: z.string().nullable().meta({ description: 'The user or admin who acted; null for the system, or a sign-in on an unknown name' }),
    }),
    userId: z.string().optional().meta({ description: 'The account the event is about; absent for a sign-in on a name that is no account' }),
    username: z.string().nullable().meta({ description: "The name tried (sign-in events), or the account's name when the event was recorded" }),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    sessionId: z.string().optional().meta({ description: "The session of the request's access token, or the one a sign-in started; absent otherwise" }),
    requestId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).meta({ description: 'Reasons, roles, counts: never a secret', example: { reason: 'wrong_password' } }),
  })
  .meta({ id: 'AuditEvent' });

export const auditPage = z
  .object({
    events: z.array(auditEventView),
    nextCursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page (same filters); null on the last page' }),
  })
  .meta({ id: 'AuditPage' });

export const signinChart = z
  .object({
    from: dateTime,
    to: dateTime,
    hours: z.array(
      z.object({
        hour: dateTime.meta({ description: 'Start of the hour (UTC)' }),
        signins: z.number().int(),
        failed: z.number().int(),
        throttled: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'SigninsPerHour' });
