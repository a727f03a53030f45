import { Types } from 'mongoose';
import { User } from '../models/user.model';
import type { Clock } from '../utils/clock';

export interface UserState {
  roles: string[];
  disabled: boolean;
}

export interface UserStateService {
  /** Roles and status of a user, at most `maxAgeMs` old; undefined when the user does not exist. */
  get(userId: string): Promise<UserState | undefined>;
  /** Drops this instance's cached copy, so the change shows here at once. */
  invalidate(userId: string): void;
}

interface Entry {
  fetchedAt: number;
  value: Promise<UserState | undefined>;
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
    const [user] = await User.aggregate<{ disabled?: boolean; roleDocs: { name: string }[] }>([
      { $match: { _id: new Types.ObjectId(userId) } },
      { $lookup: { from: 'roles', localField: 'roles', foreignField: '_id', as: 'roleDocs' } },
      { $project: { disabled: 1, 'roleDocs.name': 1 } },
    ]);
    return user ? { roles: user.roleDocs.map((r) => r.name), disabled: user.disabled === true } : undefined;
  };

  return {
    get(userId) {
      if (!Types.ObjectId.isValid(userId)) return Promise.resolve(undefined);
      const now = clock();
      const hit = cache.get(userId);
      if (hit && now - hit.fetchedAt < maxAgeMs) return hit.value;

      // Concurrent requests for one user share a single read.
      const value = load(userId);
      cache.delete(userId); // re-insert so Map order stays oldest-first for eviction
      cache.set(userId, { fetchedAt: now, value });
      // A failed read is not cached, but only this read's entry goes: a newer one may be there.
      value.catch(() => {
        if (cache.get(userId)?.value === value) cache.delete(userId);
      });
      if (cache.size > MAX_ENTRIES) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return value;
    },

    invalidate(userId) {
      cache.delete(userId);
    },
  };
}
