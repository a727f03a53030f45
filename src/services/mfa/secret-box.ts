import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../../utils/app-error';

/**
 * Encrypts small secrets at rest (TOTP secrets) with AES-256-GCM. Each sealed value names the
 * key that sealed it, so that after a rotation the previous key still opens the old values,
 * and is bound to its context (the user and the purpose) as associated data: a sealed value
 * copied into another user's document does not open there.
 */
export interface SecretBox {
  seal(plain: Buffer, context: string): string;
  /** Throws (500) when the value was sealed with an unknown key or altered. */
  open(sealed: string, context: string): Buffer;
}

const VERSION = 'v1';
const keyId = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

/**
 * Outside production with no DATA_ENCRYPTION_KEY, a fixed development key: TOTP works on a
 * first `npm start`, and factors enrolled survive a restart. It protects nothing, which is
 * why production refuses to enrol without a real key (see createTotpService) and to start
 * without one when factors exist (server.ts).
 */
export const DEVELOPMENT_KEY = createHash('sha256').update('auth-api development data key; not for production').digest();

export function createSecretBox(current: Buffer, previous: readonly Buffer[] = []): SecretBox {
  const keys = new Map([current, ...previous].map((key) => [keyId(key), key] as const));
  const currentId = keyId(current);
  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return [VERSION, currentId, iv.toString('base64url'), body.toString('base64url')].join('.');
    },

    open(sealed, context) {
      const [version, id, iv, body] = sealed.split('.');
      const key = id === undefined ? undefined : keys.get(id);
      if (version !== VERSION || !key || iv === undefined || body === undefined) {
        throw new AppError(500, 'SECRET_UNREADABLE', 'A stored secret cannot be read with the configured keys.');
      }
      const bytes = Buffer.from(body, 'base64url');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]);
      } catch {
        throw new AppError(500, 'SECRET_UNREADABLE', 'A stored secret cannot be read with the configured keys.');
      }
    },
  };
}
