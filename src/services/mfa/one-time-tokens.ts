import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Types } from 'mongoose';
import { SpentToken } from '../../models/spent-token.model';
import { isDuplicateKeyError } from '../../db/errors';
import type { Clock } from '../../utils/clock';

/**
 * Short-lived tokens that the service hands out and takes back once: the `mfaToken` between a
 * sign-in's password and its code, and the challenges of passkey registration and sign-in.
 *
 * They are signed, not stored: asking for one writes nothing, so the unauthenticated
 * requests that make them (a passkey sign-in's options) cannot fill the database. A token
 * carries its purpose, expiry, user and the user's token version, under an HMAC with a key
 * derived from JWT_SECRET for this use only (an access token can never pass for one, nor one
 * purpose for another). Using one up inserts its hash into `spenttokens`: the unique _id
 * lets exactly one of any number of concurrent uses through, and the TTL index forgets it
 * once it would have expired anyway.
 */
export const ONE_TIME_PURPOSES = { mfa: 1, passkey_register: 2, passkey_signin: 3 } as const;
export type OneTimePurpose = keyof typeof ONE_TIME_PURPOSES;

export interface OpenedToken {
  /** The token's identity (hex): counters of attempts on it are keyed by this. */
  id: string;
  userId: Types.ObjectId | undefined;
  version: number;
  expiresAt: Date;
}

export interface OneTimeTokens {
  issue(purpose: OneTimePurpose, ttlSeconds: number, user?: { id: Types.ObjectId; version?: number }): string;
  /** The token's facts if it is genuine, of this purpose and not expired; undefined otherwise. Does not use it up. */
  open(token: string, purpose: OneTimePurpose): OpenedToken | undefined;
  /** Uses the token up: true for the one caller that did, false when it was used before. */
  spend(opened: OpenedToken): Promise<boolean>;
}

// purpose (1) | expiry, seconds (4) | token version (4) | user id (12, zeros for none) | nonce (16) | HMAC-SHA256 (32)
const BODY = 1 + 4 + 4 + 12 + 16;
const LENGTH = BODY + 32;
const MAX_TEXT = Math.ceil((LENGTH * 4) / 3);

export function createOneTimeTokens(secret: string, clock: Clock): OneTimeTokens {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), 'auth-api one-time tokens', 32));
  const mac = (body: Buffer) => createHmac('sha256', key).update(body).digest();

  return {
    issue(purpose, ttlSeconds, user) {
      const body = Buffer.alloc(BODY);
      body.writeUInt8(ONE_TIME_PURPOSES[purpose], 0);
      body.writeUInt32BE(Math.floor(clock() / 1000) + ttlSeconds, 1);
      body.writeUInt32BE(user?.version ?? 0, 5);
      if (user) user.id.id.forEach((byte, i) => body.writeUInt8(byte, 9 + i));
      randomBytes(16).copy(body, 21);
      return Buffer.concat([body, mac(body)]).toString('base64url');
    },

    open(token, purpose) {
      if (token.length > MAX_TEXT || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
      const bytes = Buffer.from(token, 'base64url');
      if (bytes.length !== LENGTH) return undefined;
      const body = bytes.subarray(0, BODY);
      if (!timingSafeEqual(bytes.subarray(BODY), mac(body))) return undefined;
      if (body.readUInt8(0) !== ONE_TIME_PURPOSES[purpose]) return undefined;
      const expiresAt = new Date(body.readUInt32BE(1) * 1000);
      if (expiresAt.getTime() <= clock()) return undefined;
      const userBytes = body.subarray(9, 21);
      return {
        id: createHash('sha256').update(bytes).digest('hex'),
        userId: userBytes.every((byte) => byte === 0) ? undefined : new Types.ObjectId(Buffer.from(userBytes)),
        version: body.readUInt32BE(5),
        expiresAt,
      };
    },

    async spend(opened) {
      try {
        await SpentToken.create({ _id: opened.id, expiresAt: opened.expiresAt });
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },
  };
}
