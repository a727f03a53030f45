import type { Connection } from 'mongoose';
import { RateLimiterMemory, RateLimiterMongo, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { normalizeKey } from '../models/user.model';
import { Messages, tooManyRequests } from '../utils/app-error';

export interface ThrottleOptions {
  /** Shared by every instance of the service: the counts live in MongoDB. */
  connection: Connection;
  maxFailures: number;
  windowSeconds: number;
  maxRequestsPerIp: number;
}

export interface FailureThrottle {
  /** Throws a 429 when `key` has used up its failures in the window; else returns the count. */
  assertAllowed(key: string): Promise<number>;
  /** Counts one failure; throws a 429 when that was one too many. */
  recordFailure(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

export interface RequestThrottle {
  /** Counts one request from `ip`; throws a 429 over the limit. */
  consume(ip: string): Promise<void>;
}

const COLLECTION = 'rate_limits';

/** Failed sign-ins are counted per username (in any case) and client IP. */
export const failureKey = (username: string, ip: string | undefined) => `${normalizeKey(username)}|${ip ?? '-'}`;

/**
 * Builds the counters' indexes (a TTL on expiry, a unique key) once at start-up, instead of
 * from every limiter's constructor in the background.
 */
export async function ensureThrottleIndexes(connection: Connection): Promise<void> {
  const limiter = new RateLimiterMongo({
    storeClient: connection,
    tableName: COLLECTION,
    points: 1,
    duration: 1,
    disableIndexesCreation: true,
  });
  await limiter.createIndexes();
}

export function createFailureThrottle(options: ThrottleOptions): FailureThrottle {
  const limiter = new RateLimiterMongo({
    storeClient: options.connection,
    tableName: COLLECTION,
    keyPrefix: 'signin_fail',
    disableIndexesCreation: true,
    points: options.maxFailures,
    duration: options.windowSeconds,
  });
  const limited = (msBeforeNext: number) =>
    tooManyRequests('TOO_MANY_FAILED_SIGNINS', Messages.tooManyFailures, msBeforeNext);

  return {
    async assertAllowed(key) {
      const state = await limiter.get(key);
      if (state && state.consumedPoints >= options.maxFailures) throw limited(state.msBeforeNext);
      return state?.consumedPoints ?? 0;
    },
    async recordFailure(key) {
      try {
        await limiter.consume(key);
      } catch (err) {
        if (err instanceof RateLimiterRes) throw limited(err.msBeforeNext);
        throw err;
      }
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}

/**
 * Requests per client IP to the credential endpoints (sign-up, sign-in), counted in MongoDB
 * so that the limit holds across all instances: these are what password guessing and mass
 * sign-up go through.
 */
export function createSharedRequestThrottle(options: ThrottleOptions): RequestThrottle {
  return throttleWith(
    new RateLimiterMongo({
      storeClient: options.connection,
      tableName: COLLECTION,
      keyPrefix: 'auth_ip',
      disableIndexesCreation: true,
      points: options.maxRequestsPerIp,
      duration: options.windowSeconds,
    }),
  );
}

/**
 * Requests per client IP to the token endpoints (refresh, sign-out), counted in this
 * process's memory. Their tokens are 256 random bits, so there is nothing to guess and the
 * limit only guards against floods, which each instance can do alone; a shared counter would
 * add a database write to every refresh, half again its cost.
 */
export function createLocalRequestThrottle(options: Pick<ThrottleOptions, 'windowSeconds' | 'maxRequestsPerIp'>): RequestThrottle {
  return throttleWith(
    new RateLimiterMemory({ keyPrefix: 'token_ip', points: options.maxRequestsPerIp, duration: options.windowSeconds }),
  );
}

function throttleWith(limiter: RateLimiterAbstract): RequestThrottle {
  return {
    async consume(ip) {
      try {
        await limiter.consume(ip);
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          throw tooManyRequests('TOO_MANY_REQUESTS', Messages.tooManyRequests, err.msBeforeNext);
        }
        throw err;
      }
    },
  };
}
