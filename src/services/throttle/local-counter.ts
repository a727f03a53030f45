import { LRUCache } from 'lru-cache';
import type { Clock } from '../../utils/clock';

/** Distinct keys remembered (about 150 bytes each); the least recently seen go first. */
export const LOCAL_COUNTER_MAX_KEYS = 50_000;

export interface LocalCounter {
  /** Counts one attempt for `key`; returns the ms to wait when the window's limit is used up. */
  take(key: string): number | undefined;
  /** Keys held. */
  readonly size: number;
}

/**
 * A fixed-window counter in this process's memory, bounded in keys: an attacker cycling
 * through addresses can push old keys out (their counts start again), but cannot make the
 * map grow. Synchronous, so a check and its count cannot be split by another request.
 */
export function createLocalCounter(options: { limit: number; windowMs: number; clock: Clock; maxKeys?: number }): LocalCounter {
  const { limit, windowMs, clock } = options;
  const windows = new LRUCache<string, { points: number; resetAt: number }>({ max: options.maxKeys ?? LOCAL_COUNTER_MAX_KEYS });
  return {
    take(key) {
      const now = clock();
      let entry = windows.get(key);
      if (entry === undefined || entry.resetAt <= now) {
        entry = { points: 0, resetAt: now + windowMs };
        windows.set(key, entry);
      }
      if (entry.points >= limit) return entry.resetAt - now;
      entry.points += 1;
      return undefined;
    },
    get size() {
      return windows.size;
    },
  };
}
