import { z } from 'zod';
import { ROLE_NAMES } from '../config/roles';

// bcrypt only reads the first 72 bytes of its input; anything longer would be silently
// truncated, so two different long passwords could match the same hash.
export const BCRYPT_MAX_PASSWORD_BYTES = 72;
export const PASSWORD_MIN_LENGTH = 8;

export const usernameSchema = z
  .string()
  .trim()
  .min(3, 'must be at least 3 characters')
  .max(32, 'must be at most 32 characters')
  .regex(/^[A-Za-z0-9._-]+$/, 'may only contain letters, digits, ".", "_" and "-"');

const trimmed = (value: unknown) => (typeof value === 'string' ? value.trim() : value);

export const emailSchema = z.preprocess(
  trimmed,
  z
    .email('must be a valid email address')
    .max(254, 'must be at most 254 characters')
    // RFC 5321: the part before the @ is at most 64 octets (found by schemathesis).
    .refine((value) => Buffer.byteLength(value.split('@')[0] ?? '', 'utf8') <= 64, 'must have at most 64 characters before the @'),
);

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(BCRYPT_MAX_PASSWORD_BYTES, `must be at most ${BCRYPT_MAX_PASSWORD_BYTES} bytes in UTF-8`)
  .refine(
    (value) => Buffer.byteLength(value, 'utf8') <= BCRYPT_MAX_PASSWORD_BYTES,
    `must be at most ${BCRYPT_MAX_PASSWORD_BYTES} bytes in UTF-8`,
  )
  .meta({ description: `${PASSWORD_MIN_LENGTH} characters at least, ${BCRYPT_MAX_PASSWORD_BYTES} bytes in UTF-8 at most` });

/**
 * A list of role names. Any string is accepted here so that an unknown name gets the
 * contract's "Failed! Role <name> does not exist!" from the service; the OpenAPI document
 * lists the names that exist.
 */
export const roleNamesSchema = z
  .array(z.string().trim().min(1).max(32))
  .max(10)
  .meta({
    override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => {
      jsonSchema.items = { type: 'string', enum: [...ROLE_NAMES] };
    },
  });
