import { Types } from 'mongoose';
import { User } from '../models/user.model';
import type { Clock } from '../utils/clock';
import { OBJECT_ID_PATTERN } from '../utils/object-id';

export interface UserState {
  roles: string[];
  disabled: boolean;
  /** Access tokens issued under an older version (before a password change) are refused. */
  tokenVersion: number;
}

export interface UserStateService {
  /**
   * Roles and status of a user, at most `maxAgeMs` old; undefined when the user does not exist.
   * `userId` in its canonical form (lower-case hex), as tokens and validated ids carry it.
   */
  get(userId: string): Promise<UserState | undefined>;
  /**
   * The same answer without waiting, when a fresh one is already in memory (`{ state }`);
   * undefined when it would need a read. Lets the guard skip a promise on the hot path.
   */
  peek(userId: string): { state: UserState | undefined } | undefined;
  /** Drops this instance's cached copy, so the change shows here at once. */
  invalidate(userId: string): void;
}

interface Entry {
  fetchedAt: number;
  value: Promise<UserState | undefined>;
  /** Set once `value` has resolved. */
  settled?: { state: UserState | undefined };
}

const MAX_ENTRIES = 10_000;

/**
 * Every guarded request needs the user's roles and status. Reading them from MongoDB each
 * time would put a round trip on every request; caching them for half a second keeps that
 * to about two reads per user per second per instance, while a role change, a disable or a
 * delete made on any instance still takes effect everywhere within a second.
 */
export function createUserStateService(clock: Clock, maxAgeMs = 500): UserStateService {
  const cache = new Map<string, Entry>();

  const load = async (userId: string): Promise<UserState | undefined> => {
    const [user] = await User.aggregate<{ disabled?: boolean; tokenVersion?: number; roleDocs: { name: string }[] }>([
      { $match: { _id: new Types.ObjectId(userId) } },
      { $lookup: { from: 'roles', localField: 'roles', foreignField: '_id', as: 'roleDocs' } },
      { $project: { disabled: 1, tokenVersion: 1, 'roleDocs.name': 1 } },
    ]);
    return user
      ? { roles: user.roleDocs.map((r) => r.name), disabled: user.disabled === true, tokenVersion: user.tokenVersion ?? 0 }
      : undefined;
  };

  return {
    get(userId) {
      const now = clock();
      const hit = cache.get(userId);
      if (hit && now - hit.fetchedAt < maxAgeMs) return hit.value;
      if (!OBJECT_ID_PATTERN.test(userId)) return Promise.resolve(undefined);

      // Concurrent requests for one user share a single read.
      const value = load(userId);
      const entry: Entry = { fetchedAt: now, value };
      cache.delete(userId); // re-insert so Map order stays oldest-first for eviction
      cache.set(userId, entry);
      value.then(
        (state) => {
          entry.settled = { state };
        },
        () => {
          // A failed read is not cached, but only this read's entry goes: a newer one may be there.
          if (cache.get(userId) === entry) cache.delete(userId);
        },
      );
      if (cache.size > MAX_ENTRIES) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return value;
    },

    peek(userId) {
      const hit = cache.get(userId);
      return hit?.settled && clock() - hit.fetchedAt < maxAgeMs ? hit.settled : undefined;
    },

    invalidate(userId) {
      cache.delete(userId);
    },
  };
}
