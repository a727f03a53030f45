import { Types } from 'mongoose';
import type { Logger } from '../../config/logger';
import { duplicateKeyWrites } from '../../db/errors';
import { AuditEvent, AuditHour, type AuditActorKind } from '../../models/audit-event.model';

/** An event as the writer stores it. */
export interface AuditRecord {
  _id: Types.ObjectId;
  at: Date;
  type: string;
  actor: { kind: AuditActorKind; id?: Types.ObjectId };
  user?: Types.ObjectId;
  username?: string;
  ip?: string;
  userAgent?: string;
  sessionId?: Types.ObjectId;
  requestId?: string;
  detail?: Record<string, unknown>;
  expiresAt: Date;
}

export interface AuditWriter {
  /** Queues the event and returns at once: a request never waits for, or fails with, its audit write. */
  write(record: Omit<AuditRecord, '_id' | 'expiresAt'>): void;
  /** Writes what is queued now (tests, shutdown). */
  flush(): Promise<void>;
  /** Events dropped because the queue was full while MongoDB could not take them. */
  readonly dropped: number;
}

export interface AuditWriterOptions {
  logger: Logger;
  retentionDays: number;
  /** How long an event may wait for company before its batch is written. */
  flushMs?: number;
  maxBatch?: number;
  /** Events held at most while MongoDB is away; beyond, new ones are dropped (and counted). */
  maxQueue?: number;
}

const HOUR_MS = 3_600_000;
const RETRY_MS = 1_000;

/**
 * Events go to a queue and are written in batches: one insertMany for the events and one
 * bulk write of $inc upserts for the hourly counts, at most every `flushMs` or when a batch
 * is full. The queue is bounded; while MongoDB is away it holds what it can and retries, and
 * the events beyond it are dropped and counted, never blocking a request. A retried batch
 * reinserts the same _ids, so an insert that had partly landed does not duplicate events.
 */
export function createAuditWriter(options: AuditWriterOptions): AuditWriter {
  const { logger, retentionDays, flushMs = 200, maxBatch = 500, maxQueue = 20_000 } = options;
  const retentionMs = retentionDays * 24 * HOUR_MS;
  let queue: AuditRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let dropped = 0;
  let failing = false;

  const schedule = (ms: number) => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, ms);
    timer.unref();
  };

  async function writeBatch(batch: AuditRecord[]): Promise<void> {
    try {
      await AuditEvent.collection.insertMany(batch, { ordered: false });
    } catch (err) {
      // A retry of a batch that had landed (its reply lost): only its duplicates failed.
      if (!duplicateKeyWrites(err)) throw err;
    }
    const counts = new Map<string, { hour: Date; type: string; count: number }>();
    for (const event of batch) {
      const hour = new Date(Math.floor(event.at.getTime() / HOUR_MS) * HOUR_MS);
      const id = `${hour.toISOString()}|${event.type}`;
      const entry = counts.get(id) ?? { hour, type: event.type, count: 0 };
      entry.count += 1;
      counts.set(id, entry);
    }
    await AuditHour.collection.bulkWrite(
      [...counts].map(([id, { hour, type, count }]) => ({
        updateOne: {
          filter: { _id: id as unknown as Types.ObjectId },
          update: { $inc: { count }, $setOnInsert: { hour, type, expiresAt: new Date(hour.getTime() + HOUR_MS + retentionMs) } },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        await writeBatch(batch);
        if (failing) logger.info('audit events are being written again');
        failing = false;
      } catch (err) {
        // Back to the front, as far as the bound allows, and retried in a second.
        const room = Math.max(0, maxQueue - queue.length);
        dropped += Math.max(0, batch.length - room);
        queue = [...batch.slice(0, room), ...queue];
        if (!failing) logger.warn({ err, queued: queue.length }, 'audit events cannot be written now; retrying');
        failing = true;
        schedule(RETRY_MS);
        return;
      }
    }
  }

  function flush(): Promise<void> {
    running ??= drain().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    write(record) {
      if (queue.length >= maxQueue) {
        dropped += 1;
        return;
      }
      queue.push({ _id: new Types.ObjectId(), ...record, expiresAt: new Date(record.at.getTime() + retentionMs) });
      if (queue.length >= maxBatch) void flush();
      else schedule(flushMs);
    },
    async flush() {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      await running;
      await flush();
    },
    get dropped() {
      return dropped;
    },
  };
}
