import { z } from 'zod';
import { BCRYPT_MAX_PASSWORD_BYTES, emailSchema, passwordSchema, roleNamesSchema, usernameSchema } from './fields';

// Strict objects: unknown keys are a 400, and every value must be of its declared type, so
// an operator object such as {"$ne": null} can never reach a database query.

export const signupSchema = z.strictObject({
  username: usernameSchema,
  email: emailSchema,
  password: passwordSchema,
  roles: roleNamesSchema.optional(),
});

export const signinSchema = z.strictObject({
  username: usernameSchema,
  // No minimum length here: a wrong password of any length is a plain "Invalid Password!".
  // The byte limit stays, or bcrypt would accept any suffix after the 72nd byte.
  password: z
    .string()
    .min(1, 'is required')
    .max(BCRYPT_MAX_PASSWORD_BYTES, `must be at most ${BCRYPT_MAX_PASSWORD_BYTES} bytes in UTF-8`)
    .refine(
      (value) => Buffer.byteLength(value, 'utf8') <= BCRYPT_MAX_PASSWORD_BYTES,
      `must be at most ${BCRYPT_MAX_PASSWORD_BYTES} bytes in UTF-8`,
    ),
  // "cookie": the refresh token is set as an HttpOnly cookie scoped to /api/auth instead of
  // being returned in the body, for browser apps that should not keep it in storage.
  refreshTokenTransport: z.enum(['body', 'cookie']).optional(),
});

export const refreshTokenSchema = z.strictObject({
  // Optional in the schema: a missing token is the contract's 403, not a 400.
  // Without it, the refresh-token cookie is used when there is one.
  refreshToken: z.string().max(512).optional(),
});

export type SignupInput = z.infer<typeof signupSchema>;
export type SigninInput = z.infer<typeof signinSchema>;
export type RefreshTokenInput = z.infer<typeof refreshTokenSchema>;
