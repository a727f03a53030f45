import { z } from 'zod';

// Shapes of the replies, for the OpenAPI document. Tests check every reply they receive
// against the document, so these cannot drift from what the service sends.

const fieldError = z.object({ field: z.string(), message: z.string() });

export const errorReply = z
  .object({
    message: z.string().meta({ description: 'Human-readable; several texts are fixed by the contract.' }),
    code: z.string().meta({ description: 'Stable machine-readable name', example: 'VALIDATION_FAILED' }),
    errors: z.array(fieldError).optional().meta({ description: 'Which fields failed (400 VALIDATION_FAILED)' }),
    retryAfterSeconds: z.number().int().optional().meta({ description: 'On 429, as in Retry-After' }),
    accessToken: z.null().optional().meta({ description: 'On 401 Invalid Password!, as the original API sent' }),
    rule: z
      .enum(['min_length', 'common', 'contains_username', 'contains_email'])
      .optional()
      .meta({ description: 'On 400 WEAK_PASSWORD: the password rule that was broken' }),
  })
  .meta({ id: 'Error' });

export const messageReply = z.object({ message: z.string() }).meta({ id: 'Message' });

export const welcomeReply = z
  .object({ message: z.string(), docs: z.string(), demo: z.string() })
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
