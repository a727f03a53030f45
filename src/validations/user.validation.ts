import { z } from 'zod';
import { emailSchema, passwordSchema, roleNamesSchema } from './fields';
import { OBJECT_ID_PATTERN } from '../utils/object-id';

// Ids are accepted in any letter case and canonicalised to lower case here, at the edge, so
// that every comparison and cache key after this sees one spelling of an id.
const objectId = z
  .string()
  .regex(OBJECT_ID_PATTERN, 'must be a 24-character hex id')
  .transform((id) => id.toLowerCase());

export const userIdParams = z.strictObject({ userId: objectId });
export const sessionIdParams = z.strictObject({ sessionId: objectId });
export const userSessionParams = z.strictObject({ userId: objectId, sessionId: objectId });

export const currentPasswordSchema = z.string().min(1, 'is required').max(1024);

export const changePasswordSchema = z
  .strictObject({
    currentPassword: currentPasswordSchema,
    newPassword: passwordSchema,
    // As at sign-in: where the new session's refresh token goes (the reply's body by default).
    refreshTokenTransport: z.enum(['body', 'cookie']).optional(),
  })
  .meta({ example: { currentPassword: 'correct horse battery', newPassword: 'a brand new passphrase' } });

export const changeEmailSchema = z
  .strictObject({
    email: emailSchema,
    currentPassword: currentPasswordSchema,
  })
  .meta({ example: { email: 'alice.new@example.com', currentPassword: 'correct horse battery' } });

/** `limit` and `cursor` of a list read a page at a time (see utils/cursor). */
export const pageParams = (defaultLimit: number, cursorDescription: string) => ({
  limit: z.coerce.number().int().min(1).max(100).default(defaultLimit),
  cursor: z
    .string()
    .max(400)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a nextCursor from an earlier page')
    .optional()
    .meta({ description: cursorDescription }),
});

export const listSessionsQuery = z.strictObject(pageParams(50, 'The nextCursor of the previous page'));

export const listUsersQuery = z.strictObject({
  ...pageParams(20, 'The nextCursor of the previous page (of the same q)'),
  // The start of a username, or of an email when it holds an @, in any case. No control
  // characters (found by schemathesis when this was a regular expression).
  q: z
    .string()
    .trim()
    .min(1)
    .max(100)
    // Explicit ranges rather than \p{Cc}: the pattern is published in the OpenAPI document,
    // where other regex engines (Python's, for schemathesis) must read it too.
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\x00-\x1f\x7f-\x9f]*$/, 'must not contain control characters')
    .optional()
    .meta({ description: 'Prefix of the username, or of the email when it contains @; any letter case' }),
});

export const setRolesSchema = z
  .strictObject({
    roles: roleNamesSchema.min(1, 'must name at least one role'),
  })
  .meta({ example: { roles: ['user', 'moderator'] } });

export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;
export type ChangeEmailInput = z.infer<typeof changeEmailSchema>;
export type ListUsersQuery = z.infer<typeof listUsersQuery>;
export type ListSessionsQuery = z.infer<typeof listSessionsQuery>;
export type SetRolesInput = z.infer<typeof setRolesSchema>;
