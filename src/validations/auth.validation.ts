import { z } from 'zod';
import { BCRYPT_MAX_PASSWORD_BYTES, emailSchema, passwordSchema, roleNamesSchema, usernameSchema } from './fields';

// Strict objects: unknown keys are a 400, and every value must be of its declared type, so
// an operator object such as {"$ne": null} can never reach a database query.

export const signupSchema = z
  .strictObject({
    username: usernameSchema,
    email: emailSchema,
    password: passwordSchema,
    roles: roleNamesSchema.optional(),
  })
  .meta({ example: { username: 'alice', email: 'alice@example.com', password: 'correct horse battery' } });

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
}).meta({ example: { username: 'alice', password: 'correct horse battery' } });

export const refreshTokenSchema = z
  .strictObject({
    // Optional in the schema: a missing token is the contract's 403, not a 400.
    // Without it, the refresh-token cookie is used when there is one.
    refreshToken: z.string().max(512).optional(),
  })
  .meta({ example: { refreshToken: 'mW3Zr5pQ1vX8kT0bN6yC4hJ2dF9gS7aL3eU5iO1wR8c' } });

/** A token from a mailed link: 256 random bits in base64url. */
const mailedToken = z
  .string()
  .min(20, 'is not a token from a link we sent')
  .max(100, 'is not a token from a link we sent')
  .regex(/^[A-Za-z0-9_-]+$/, 'is not a token from a link we sent')
  .meta({ example: 'q3J9k1mZ0bq6v2xXh0cR4sT7uW9yA1bC3dE5fG7hI9j' });

export const forgotPasswordSchema = z.strictObject({ email: emailSchema }).meta({ example: { email: 'alice@example.com' } });
export const resetPasswordSchema = z
  .strictObject({ token: mailedToken, password: passwordSchema })
  .meta({ example: { token: 'q3J9k1mZ0bq6v2xXh0cR4sT7uW9yA1bC3dE5fG7hI9j', password: 'a brand new passphrase' } });
export const mailedTokenSchema = z.strictObject({ token: mailedToken }).meta({ example: { token: 'q3J9k1mZ0bq6v2xXh0cR4sT7uW9yA1bC3dE5fG7hI9j' } });

export type SignupInput = z.infer<typeof signupSchema>;
export type ForgotPasswordInput = z.infer<typeof forgotPasswordSchema>;
export type ResetPasswordInput = z.infer<typeof resetPasswordSchema>;
export type MailedTokenInput = z.infer<typeof mailedTokenSchema>;
export type SigninInput = z.infer<typeof signinSchema>;
export type RefreshTokenInput = z.infer<typeof refreshTokenSchema>;
