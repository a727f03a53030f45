import type { Connection } from 'mongoose';
import { duplicateKeyWrites } from '../../db/errors';
import type { Clock } from '../../utils/clock';

/** A counter of attempts in a fixed window, kept in MongoDB so every instance shares it. */
export interface CounterRule {
  /** Part of every key of this rule, so that rules never share a counter. */
  name: string;
  /** Attempts allowed per window. */
  limit: number;
  windowMs: number;
  /**
   * Past the limit, allow one more attempt per delay instead of none: the delay starts at a
   * second and doubles with each attempt, up to this. Without it the limit is hard until the
   * window ends. A growing delay slows guessing as much as a lockout does, but an attacker
   * cannot use it to keep the owner out for the whole window.
   */
  maxDelayMs?: number;
}

export interface Take {
  rule: CounterRule;
  key: string;
}

/** The counter that refused an attempt, and how long until it would allow one. */
export interface Refusal {
  rule: CounterRule;
  key: string;
  retryAfterMs: number;
}

export interface SharedCounters {
  /**
   * Takes one point from every counter in a single round trip, each atomically: of N
   * concurrent attempts, no more than the limit get through. When any counter refuses, the
   * points the others gave are returned and the refusal is reported; nothing is charged for
   * a refused attempt.
   */
  take(takes: readonly Take[]): Promise<Refusal | undefined>;
  /**
   * After an attempt that turned out fine, in one round trip: the `reset` counters start
   * again, and each of `giveBack` gets its point back.
   */
  settle(settlement: { reset: readonly Take[]; giveBack: readonly Take[] }): Promise<void>;
}

interface CounterDoc {
  _id: string;
  points: number;
  resetAt: Date;
  /** Past the limit: when the next attempt is allowed (rules with a growing delay only). */
  nextAt: Date | null;
  /** For the TTL index: when the document says nothing any more. */
  expiresAt: Date;
}

export const COUNTERS_COLLECTION = 'attempt_counters';
const FIRST_DELAY_MS = 1000;

const counterId = ({ rule, key }: Take) => `${rule.name}:${key}`;

/** The TTL index that purges counters once their window and delay are over. */
export async function ensureCounterIndexes(connection: Connection): Promise<void> {
  await connection.collection<CounterDoc>(COUNTERS_COLLECTION).createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
}

/**
 * The update that takes a point: one conditional upsert per counter.
 *
 * The filter matches only a counter that may still be charged (its window is over, it is
 * under its limit, or its delay has passed). A counter that may not be charged does not
 * match, so the upsert tries to insert a second document with the same `_id` and fails with
 * a duplicate-key error: that error is the refusal, decided by the database in the same
 * operation that would have counted, so no two requests can both take the last point.
 * (MongoDB retries an upsert's duplicate-key error only for a pure equality filter; this one
 * has an `$or`, so the error comes back.)
 */
function takeOp(take: Take, now: Date) {
  const { rule } = take;
  const stillChargeable: Record<string, unknown>[] = [{ resetAt: { $lte: now } }, { points: { $lt: rule.limit } }];
  if (rule.maxDelayMs !== undefined) stillChargeable.push({ nextAt: { $lte: now } });

  const windowOver = { $lte: [{ $ifNull: ['$resetAt', new Date(0)] }, now] };
  const nextAt =
    rule.maxDelayMs === undefined
      ? null
      : {
          $cond: [
            { $gte: ['$points', rule.limit] },
            {
              $add: [
                now,
                {
                  $min: [
                    rule.maxDelayMs,
                    { $multiply: [FIRST_DELAY_MS, { $pow: [2, { $min: [{ $subtract: ['$points', rule.limit] }, 40] }] }] },
                  ],
                },
              ],
            },
            null,
          ],
        };
  return {
    updateOne: {
      filter: { _id: counterId(take), $or: stillChargeable },
      update: [
        {
          $set: {
            points: { $cond: [windowOver, 1, { $add: ['$points', 1] }] },
            resetAt: { $cond: [windowOver, new Date(now.getTime() + rule.windowMs), '$resetAt'] },
          },
        },
        { $set: { nextAt } },
        { $set: { expiresAt: { $max: ['$resetAt', '$nextAt'] } } },
      ],
      upsert: true,
    },
  };
}

export function createSharedCounters(connection: Connection, clock: Clock): SharedCounters {
  const collection = () => connection.collection<CounterDoc>(COUNTERS_COLLECTION);

  async function refusalOf(take: Take): Promise<Refusal> {
    const now = clock();
    const doc = await collection().findOne({ _id: counterId(take) });
    const until = Math.min(doc?.resetAt.getTime() ?? now, doc?.nextAt?.getTime() ?? Infinity);
    return { ...take, retryAfterMs: Math.max(0, until - now) };
  }

  /** The positions of the counters that refused. */
  async function takeEach(batch: readonly Take[], now: Date): Promise<number[]> {
    try {
      await collection().bulkWrite(
        batch.map((take) => takeOp(take, now)),
        { ordered: false },
      );
      return [];
    } catch (err) {
      const refused = duplicateKeyWrites(err);
      if (!refused) throw err;
      return refused;
    }
  }

  const giveBackOp = (take: Take) => ({
    updateOne: { filter: { _id: counterId(take), points: { $gt: 0 } }, update: { $inc: { points: -1 } } },
  });
  const giveBack = async (takes: readonly Take[]) => {
    if (takes.length === 0) return;
    await collection().bulkWrite(takes.map(giveBackOp), { ordered: false });
  };

  return {
    async take(takes) {
      if (takes.length === 0) return undefined;
      const now = new Date(clock());
      // A duplicate-key error can also mean that another request created the same counter a
      // moment earlier; the second round finds the document there, so an error then is a
      // real refusal.
      let pending = takes.map((_take, index) => index);
      for (let round = 0; round < 2 && pending.length > 0; round += 1) {
        const batch = pending;
        const failed = await takeEach(batch.map((index) => takes[index]!), now);
        pending = failed.map((position) => batch[position]!);
      }
      if (pending.length === 0) return undefined;
      // Only the refusal path pays for these: the points the others gave back, and a read for
      // Retry-After.
      const [refusal] = await Promise.all([
        refusalOf(takes[pending[0]!]!),
        giveBack(takes.filter((_take, index) => !pending.includes(index))),
      ]);
      return refusal;
    },

    async settle({ reset, giveBack: back }) {
      if (reset.length + back.length === 0) return;
      // Updates only (a reset is a count of zero; the TTL index removes the document), so
      // that the driver sends one command rather than a delete and an update.
      await collection().bulkWrite(
        [
          ...reset.map((take) => ({ updateOne: { filter: { _id: counterId(take) }, update: { $set: { points: 0, nextAt: null } } } })),
          ...back.map(giveBackOp),
        ],
        { ordered: false },
      );
    },
  };
}
