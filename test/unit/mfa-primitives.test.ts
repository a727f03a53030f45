import { Types } from 'mongoose';
import { Secret, TOTP } from 'otpauth';
import { createOneTimeTokens } from '../../src/services/mfa/one-time-tokens';
import { createSecretBox } from '../../src/services/mfa/secret-box';
import { manualClock } from '../helpers/clock';
import { base32Decode, totpAt } from '../helpers/totp';

// RFC 6238, appendix B: the SHA-1 rows (8 digits, the ASCII secret "12345678901234567890").
const RFC_6238_SHA1: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];
const RFC_SECRET = '12345678901234567890';

describe('TOTP implementations against RFC 6238', () => {
  it.each(RFC_6238_SHA1)("the service's library and the tests' own code agree with the RFC at T=%i", (seconds, expected) => {
    const service = TOTP.generate({ secret: Secret.fromLatin1(RFC_SECRET), algorithm: 'SHA1', digits: 8, period: 30, timestamp: seconds * 1000 });
    const independent = totpAt(Buffer.from(RFC_SECRET, 'latin1'), seconds, 8);
    expect(service).toBe(expected);
    expect(independent).toBe(expected);
  });
});

it('decodes base32 as RFC 4648 has it', () => {
  expect(base32Decode('MZXW6YTBOI======').toString()).toBe('foobar');
  expect(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ').toString()).toBe(RFC_SECRET);
});

describe('secret box', () => {
  const key = Buffer.alloc(32, 1);
  const plain = Buffer.from('a TOTP secret of twenty');

  it('opens what it sealed, only in the same context', () => {
    const box = createSecretBox(key);
    const sealed = box.seal(plain, 'totp:user-a');
    expect(sealed).not.toContain(plain.toString('base64url'));
    expect(box.open(sealed, 'totp:user-a')).toEqual(plain);
    // Copied into another user's document, it does not open.
    expect(() => box.open(sealed, 'totp:user-b')).toThrow(expect.objectContaining({ code: 'SECRET_UNREADABLE' }));
  });

  it('seals each time with a fresh nonce', () => {
    const box = createSecretBox(key);
    expect(box.seal(plain, 'c')).not.toBe(box.seal(plain, 'c'));
  });

  it('refuses an altered value', () => {
    const box = createSecretBox(key);
    const parts = box.seal(plain, 'c').split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join('.'), 'c')).toThrow(expect.objectContaining({ code: 'SECRET_UNREADABLE' }));
  });

  it('reads values of the previous key after a rotation, and seals with the new one', () => {
    const before = createSecretBox(key);
    const sealed = before.seal(plain, 'c');
    const next = Buffer.alloc(32, 2);
    const rotated = createSecretBox(next, [key]);
    expect(rotated.open(sealed, 'c')).toEqual(plain);
    const resealed = rotated.seal(plain, 'c');
    expect(() => createSecretBox(next).open(resealed, 'c')).not.toThrow();
    expect(() => createSecretBox(next).open(sealed, 'c')).toThrow(expect.objectContaining({ code: 'SECRET_UNREADABLE' }));
  });
});

describe('one-time tokens', () => {
  const secret = 'x'.repeat(8) + 'a-random-enough-secret-for-the-test';

  it('carry their purpose, user, version and expiry, and open for that purpose only', () => {
    const clock = manualClock(1_700_000_000_000);
    const tokens = createOneTimeTokens(secret, clock);
    const user = new Types.ObjectId();
    const token = tokens.issue('mfa', 300, { id: user, version: 7 });
    const opened = tokens.open(token, 'mfa');
    expect(opened?.userId?.equals(user)).toBe(true);
    expect(opened?.version).toBe(7);
    expect(opened?.expiresAt.getTime()).toBe(1_700_000_300_000);
    expect(tokens.open(token, 'passkey_signin')).toBeUndefined();
    expect(tokens.open(token, 'passkey_register')).toBeUndefined();
    clock.advance(300_000);
    expect(tokens.open(token, 'mfa')).toBeUndefined();
  });

  it('are refused when altered, truncated, or made with another secret', () => {
    const clock = manualClock();
    const tokens = createOneTimeTokens(secret, clock);
    const token = tokens.issue('passkey_signin', 300);
    expect(tokens.open(token, 'passkey_signin')?.userId).toBeUndefined();
    const bytes = Buffer.from(token, 'base64url');
    for (const index of [0, 4, 20, 40, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[index] = altered[index]! ^ 0x10;
      expect(tokens.open(altered.toString('base64url'), 'passkey_signin')).toBeUndefined();
    }
    expect(tokens.open(token.slice(0, -2), 'passkey_signin')).toBeUndefined();
    expect(tokens.open(`${token}AA`, 'passkey_signin')).toBeUndefined();
    expect(createOneTimeTokens(`${secret}-2`, clock).open(token, 'passkey_signin')).toBeUndefined();
  });
});
