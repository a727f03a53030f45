import { createHmac } from 'node:crypto';

/**
 * RFC 6238 (TOTP over RFC 4226's HOTP) written out here, independently of the service's
 * library (otpauth), so that the tests do not check the library against itself; the RFC's
 * own vectors check this (test/unit/mfa-primitives.test.ts).
 */
export function totpAt(secret: Uint8Array, epochSeconds: number, digits = 6, period = 30): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(epochSeconds / period)));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const value = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(value % 10 ** digits).padStart(digits, '0');
}

/** RFC 4648 base32, as authenticator apps read the secret. */
export function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The code an authenticator app holding this base32 secret shows at `ms`. */
export const codeAt = (secret: string, ms: number): string => totpAt(base32Decode(secret), Math.floor(ms / 1000));
