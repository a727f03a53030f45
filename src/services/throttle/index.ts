import type { Connection } from 'mongoose';
import { normalizeKey } from '../../models/user.model';
import { AppError, Messages, tooManyRequests } from '../../utils/app-error';
import { addressKey } from '../../utils/client-address';
import type { Clock } from '../../utils/clock';
import { createLocalCounter } from './local-counter';
import { createSharedCounters, ensureCounterIndexes, type CounterRule, type Refusal, type Take } from './shared-counters';

export { COUNTERS_COLLECTION } from './shared-counters';

export interface ThrottleOptions {
  /** The shared counters live in MongoDB, where every instance of the service sees them. */
  connection: Connection;
  clock: Clock;
  maxFailures: number;
  windowSeconds: number;
  maxRequestsPerIp: number;
  accountMaxFailures: number;
  accountWindowSeconds: number;
  accountMaxDelaySeconds: number;
  ipv6PrefixLength: number;
}

/** One password check in progress; see PasswordAttempts. */
export interface PasswordAttempt {
  /**
   * The password was right: the (account, address) count starts again and the account-wide
   * counter gets its point back. A wrong password keeps both points taken.
   */
  succeeded(): Promise<void>;
}

export interface PasswordAttempts {
  /**
   * To call before a password is checked (sign-in, and the current password of a signed-in
   * user). Takes a point, atomically, from the counter of the account at this client address
   * and from the account's counter across all addresses; a 429 when either is used up. The
   * point is taken before the check, not counted after it, so that however many guesses
   * arrive at once, no more than the limit are ever checked. `countRequest`: count the
   * request against the per-address request limit in the same round trip (sign-in, which
   * has no separate request limiter in front of it).
   */
  begin(username: string, ip: string | undefined, options?: { countRequest?: boolean }): Promise<PasswordAttempt>;
}

export interface RequestThrottle {
  /** Counts one request from the client address; a 429 over the limit. */
  consume(ip: string | undefined): Promise<void>;
}

/** The counters' TTL index, built once at start-up. */
export const ensureThrottleIndexes = ensureCounterIndexes;

const requestLimited = (retryAfterMs: number) =>
  tooManyRequests('TOO_MANY_REQUESTS', Messages.tooManyRequests, retryAfterMs);

/** Requests to the credential endpoints per client address (see createSharedRequestThrottle). */
const requestRule = (options: Pick<ThrottleOptions, 'maxRequestsPerIp' | 'windowSeconds'>): CounterRule => ({
  name: 'auth_ip',
  limit: options.maxRequestsPerIp,
  windowMs: options.windowSeconds * 1000,
});

export function createPasswordAttempts(options: ThrottleOptions): PasswordAttempts {
  const counters = createSharedCounters(options.connection, options.clock);
  const atAddress: CounterRule = {
    name: 'signin_fail',
    limit: options.maxFailures,
    windowMs: options.windowSeconds * 1000,
  };
  const account: CounterRule = {
    name: 'account_fail',
    limit: options.accountMaxFailures,
    windowMs: options.accountWindowSeconds * 1000,
    maxDelayMs: options.accountMaxDelaySeconds * 1000,
  };

  const requests = requestRule(options);
  const refused = (refusal: Refusal) => {
    if (refusal.rule === account) return tooManyRequests('ACCOUNT_THROTTLED', Messages.accountThrottled, refusal.retryAfterMs);
    if (refusal.rule === requests) return requestLimited(refusal.retryAfterMs);
    return tooManyRequests('TOO_MANY_FAILED_SIGNINS', Messages.tooManyFailures, refusal.retryAfterMs);
  };

  return {
    async begin(username, ip, { countRequest = false } = {}) {
      // Usernames in any case are one account; unknown ones are counted the same way, so a
      // reply never tells whether an account exists.
      const name = normalizeKey(username);
      const address = addressKey(ip, options.ipv6PrefixLength);
      const here: Take = { rule: atAddress, key: `${name}|${address}` };
      const everywhere: Take = { rule: account, key: name };
      const refusal = await counters.take(countRequest ? [{ rule: requests, key: address }, here, everywhere] : [here, everywhere]);
      if (refusal) throw refused(refusal);
      return { succeeded: () => counters.settle({ reset: [here], giveBack: [everywhere] }) };
    },
  };
}

export interface CodeAttempts {
  /**
   * To call before a second-factor code (TOTP or recovery code) is checked: takes a point from
   * the user's counter (limited like an account's password failures, with a doubling delay)
   * and, for a sign-in's second step, from its mfaToken's counter; 429 when either is used up.
   * The user's point comes back on a right code.
   */
  begin(userId: string, pendingSigninId?: string): Promise<PasswordAttempt>;
}

/**
 * The user's counter allows SIGNIN_MAX_FAILURES wrong codes per ACCOUNT_RATE_WINDOW_SECONDS
 * (then one more after a delay that doubles): a six-digit code has a million values, so
 * the account-wide password limit would be too generous. Each pending sign-in allows
 * `maxPerToken` (MFA_MAX_ATTEMPTS); its counter lives as long as the token.
 */
export function createCodeAttempts(options: ThrottleOptions & { maxPerToken: number; tokenTtlSeconds: number }): CodeAttempts {
  const counters = createSharedCounters(options.connection, options.clock);
  const perUser: CounterRule = {
    name: 'mfa_user',
    limit: options.maxFailures,
    windowMs: options.accountWindowSeconds * 1000,
    maxDelayMs: options.accountMaxDelaySeconds * 1000,
  };
  const perToken: CounterRule = { name: 'mfa_token', limit: options.maxPerToken, windowMs: options.tokenTtlSeconds * 1000 };
  return {
    async begin(userId, pendingSigninId) {
      const user: Take = { rule: perUser, key: userId };
      const takes = pendingSigninId === undefined ? [user] : [user, { rule: perToken, key: pendingSigninId }];
      const refusal = await counters.take(takes);
      if (refusal) {
        throw tooManyRequests('TOO_MANY_MFA_ATTEMPTS', 'Too many wrong codes. Please try again later.', refusal.retryAfterMs);
      }
      return { succeeded: () => counters.settle({ reset: [], giveBack: [user] }) };
    },
  };
}

/**
 * Requests per client address to the credential endpoints (sign-up, sign-in), counted in
 * MongoDB so that the limit holds across all instances: these are what password guessing
 * and mass sign-up go through.
 */
export function createSharedRequestThrottle(options: ThrottleOptions): RequestThrottle {
  const counters = createSharedCounters(options.connection, options.clock);
  const rule = requestRule(options);
  return {
    async consume(ip) {
      const refusal = await counters.take([{ rule, key: addressKey(ip, options.ipv6PrefixLength) }]);
      if (refusal) throw requestLimited(refusal.retryAfterMs);
    },
  };
}

/**
 * Requests per client address to the token endpoints (refresh, sign-out), counted in this
 * process's memory. Their tokens are 256 random bits, so there is nothing to guess and the
 * limit only guards against floods, which each instance can do alone; a shared counter would
 * add a database write to every refresh, half again its cost.
 */
export function createLocalRequestThrottle(
  options: Pick<ThrottleOptions, 'clock' | 'windowSeconds' | 'maxRequestsPerIp' | 'ipv6PrefixLength'>,
): RequestThrottle {
  const counter = createLocalCounter({
    limit: options.maxRequestsPerIp,
    windowMs: options.windowSeconds * 1000,
    clock: options.clock,
  });
  return {
    consume(ip) {
      const waitMs = counter.take(addressKey(ip, options.ipv6PrefixLength));
      return waitMs === undefined ? Promise.resolve() : Promise.reject(requestLimited(waitMs));
    },
  };
}

export const isThrottled = (err: unknown): err is AppError => err instanceof AppError && err.status === 429;

export interface MailThrottle {
  /**
   * Counts one mail to `email` asked for from the client address; 429 TOO_MANY_EMAILS when
   * either count is used up. Taken before anything is looked up or sent, for known and
   * unknown addresses alike, so the reply never tells which is which.
   */
  take(email: string, ip: string | undefined): Promise<void>;
}

export function createMailThrottle(
  options: Pick<ThrottleOptions, 'connection' | 'clock' | 'ipv6PrefixLength'> & { maxPerAddress: number; maxPerIp: number; windowSeconds: number },
): MailThrottle {
  const counters = createSharedCounters(options.connection, options.clock);
  const windowMs = options.windowSeconds * 1000;
  const perAddress: CounterRule = { name: 'mail_to', limit: options.maxPerAddress, windowMs };
  const perIp: CounterRule = { name: 'mail_ip', limit: options.maxPerIp, windowMs };
  return {
    async take(email, ip) {
      const refusal = await counters.take([
        { rule: perAddress, key: normalizeKey(email) },
        { rule: perIp, key: addressKey(ip, options.ipv6PrefixLength) },
      ]);
      if (refusal) throw tooManyRequests('TOO_MANY_EMAILS', 'Too many emails were asked for. Please try again later.', refusal.retryAfterMs);
    },
  };
}
