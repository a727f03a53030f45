import { z } from 'zod';
import { passwordSchema, roleNamesSchema } from './fields';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be a 24-character hex id');

export const userIdParams = z.strictObject({ userId: objectId });
export const sessionIdParams = z.strictObject({ sessionId: objectId });

export const changePasswordSchema = z.strictObject({
  currentPassword: z.string().min(1, 'is required').max(1024),
  newPassword: passwordSchema,
});

export const listUsersQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  // Matches usernames or emails containing this text, in any case.
  q: z.string().trim().min(1).max(100).optional(),
});

export const setRolesSchema = z.strictObject({
  roles: roleNamesSchema.min(1, 'must name at least one role'),
});

export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;
export type ListUsersQuery = z.infer<typeof listUsersQuery>;
export type SetRolesInput = z.infer<typeof setRolesSchema>;
