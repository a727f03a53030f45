import { createSecretKey, randomFillSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AppError, Messages } from '../utils/app-error';
import type { Clock } from '../utils/clock';
import { sha256Hex } from '../utils/hash';
import { OBJECT_ID_PATTERN } from '../utils/object-id';

const ALGORITHM = 'HS256';
const REFRESH_TOKEN_BYTES = 32;
/** Verified access tokens remembered per process (about 0.5 KB each). */
const VERIFIED_CACHE_SIZE = 10_000;

export interface AccessTokenClaims {
  userId: string;
  /** The session (refresh-token family) the token was issued in. */
  sessionId: string | undefined;
  /**
   * The user's token version when the token was issued. A password change moves the
   * version on, and the guard refuses tokens of an older one.
   */
  version: number;
}

export interface TokenService {
  signAccessToken(userId: string, sessionId: string, version: number): string;
  /** Throws AppError 401 (expired, or any other invalid token). */
  verifyAccessToken(token: string): AccessTokenClaims;
  /** A new opaque refresh token and the hash under which it is stored. */
  newRefreshToken(): { token: string; hash: string };
  hashRefreshToken(token: string): string;
}

export interface TokenServiceOptions {
  secret: string;
  accessTtlSeconds: number;
  /** `iss` and `aud` of every token, checked on every token: a token minted for another service with the same key is refused. */
  issuer: string;
  audience: string;
  clock: Clock;
}

export function createTokenService({ secret, accessTtlSeconds, issuer, audience, clock }: TokenServiceOptions): TokenService {
  // A KeyObject made once: given a string, jsonwebtoken re-imports the key on every call,
  // which costs far more than the HMAC itself.
  const key: KeyObject = createSecretKey(Buffer.from(secret, 'utf8'));
  const nowSeconds = () => Math.floor(clock() / 1000);
  const verified = new Map<string, { claims: AccessTokenClaims; expiresAt: number }>();

  return {
    signAccessToken(userId, sessionId, version) {
      return jwt.sign({ iat: nowSeconds(), sid: sessionId, ver: version }, key, {
        algorithm: ALGORITHM,
        subject: userId,
        expiresIn: accessTtlSeconds,
        issuer,
        audience,
      });
    },

    verifyAccessToken(token) {
      // A token's signature and claims never change, so a token verified once only needs its
      // expiry checked again: about 15 µs of decoding and HMAC saved on each request of a
      // client that reuses its token, which is every client.
      const known = verified.get(token);
      if (known) {
        if (nowSeconds() < known.expiresAt) return known.claims;
        verified.delete(token);
        throw new AppError(401, 'TOKEN_EXPIRED', Messages.tokenExpired);
      }

      let payload: string | jwt.JwtPayload;
      try {
        payload = jwt.verify(token, key, { algorithms: [ALGORITHM], clockTimestamp: nowSeconds(), issuer, audience });
      } catch (err) {
        if (err instanceof jwt.TokenExpiredError) {
          throw new AppError(401, 'TOKEN_EXPIRED', Messages.tokenExpired);
        }
        throw new AppError(401, 'TOKEN_INVALID', Messages.unauthorized);
      }
      // jsonwebtoken accepts a token without `exp`: ours always carry one, so one without it
      // was not made here, and would never expire.
      if (
        typeof payload === 'string' ||
        typeof payload.exp !== 'number' ||
        typeof payload.sub !== 'string' ||
        !OBJECT_ID_PATTERN.test(payload.sub)
      ) {
        throw new AppError(401, 'TOKEN_INVALID', Messages.unauthorized);
      }
      const sid: unknown = payload.sid;
      const ver: unknown = payload.ver;
      const claims = {
        // Ids are compared and cached in their canonical (lower-case) form.
        userId: payload.sub.toLowerCase(),
        sessionId: typeof sid === 'string' && OBJECT_ID_PATTERN.test(sid) ? sid.toLowerCase() : undefined,
        version: typeof ver === 'number' && Number.isSafeInteger(ver) ? ver : 0,
      };
      verified.set(token, { claims, expiresAt: payload.exp });
      if (verified.size > VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      return claims;
    },

    newRefreshToken() {
      const token = randomToken();
      return { token, hash: hashToken(token) };
    },

    hashRefreshToken: hashToken,
  };
}

/**
 * 32 bytes from the operating system's CSPRNG, drawn from a 4 KiB buffer refilled every 128
 * tokens rather than one call per token (what Node's own randomUUID does): each call costs
 * about as much as hashing the token. Every byte is used once.
 */
const entropy = Buffer.alloc(4096);
let entropyOffset = entropy.length;
function randomToken(): string {
  if (entropyOffset + REFRESH_TOKEN_BYTES > entropy.length) {
    randomFillSync(entropy);
    entropyOffset = 0;
  }
  const token = entropy.toString('base64url', entropyOffset, entropyOffset + REFRESH_TOKEN_BYTES);
  entropy.fill(0, entropyOffset, entropyOffset + REFRESH_TOKEN_BYTES);
  entropyOffset += REFRESH_TOKEN_BYTES;
  return token;
}

// A plain SHA-256 (utils/hash): the token is 256 random bits, nothing to brute-force.
const hashToken = sha256Hex;
