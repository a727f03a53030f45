import { Types } from 'mongoose';
import { AuditEvent, AuditHour } from '../../models/audit-event.model';
import type { Clock } from '../../utils/clock';
import { afterCursor, decodeCursor, encodeCursor, pageOf } from '../../utils/cursor';
import type { SecurityEventType } from '../../config/security-events';

export { createAuditWriter, type AuditWriter } from './writer';

export interface AuditEventView {
  id: string;
  at: Date;
  type: string;
  actor: { kind: 'user' | 'admin' | 'system'; id: string | null };
  /** Absent (not null) when unknown: a sign-in attempt on a name that is no account. */
  userId?: string;
  username: string | null;
  ip: string | null;
  userAgent: string | null;
  /** Absent when the request had no session. */
  sessionId?: string;
  requestId: string | null;
  detail: Record<string, unknown>;
}

export interface AuditPage {
  events: AuditEventView[];
  nextCursor: string | null;
}

export interface AuditFilter {
  user?: string | undefined;
  type?: SecurityEventType | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface SigninHour {
  hour: Date;
  signins: number;
  failed: number;
  throttled: number;
}

export interface AuditService {
  /** Events newest first, a page at a time; each filter combination reads an index in order. */
  list(filter: AuditFilter, page: { limit: number; cursor?: string | undefined }): Promise<AuditPage>;
  /** Sign-ins, failed and throttled sign-ins per hour over the last day or week (from the hourly counts). */
  signinsPerHour(window: 'day' | 'week'): Promise<{ from: Date; to: Date; hours: SigninHour[] }>;
}

const HOUR_MS = 3_600_000;
const idOrNull = (id: Types.ObjectId | null | undefined) => (id ? id.toString() : null);

export function createAuditService(clock: Clock): AuditService {
  return {
    async list({ user, type, from, to }, { limit, cursor }) {
      const at = { ...(from ? { $gte: from } : {}), ...(to ? { $lt: to } : {}) };
      const found = await AuditEvent.find({
        ...(user ? { user: new Types.ObjectId(user) } : {}),
        ...(type ? { type } : {}),
        ...(from || to ? { at } : {}),
        ...(cursor === undefined ? {} : afterCursor('at', decodeCursor(cursor))),
      })
        .sort({ at: -1, _id: -1 })
        .limit(limit + 1)
        .lean();
      const page = pageOf(found, limit, (last) => encodeCursor({ at: last.at, id: last._id }));
      return {
        events: page.items.map((e) => ({
          id: e._id.toString(),
          at: e.at,
          type: e.type,
          actor: { kind: e.actor.kind, id: idOrNull(e.actor.id) },
          ...(e.user ? { userId: e.user.toString() } : {}),
          username: e.username ?? null,
          ip: e.ip ?? null,
          userAgent: e.userAgent ?? null,
          ...(e.sessionId ? { sessionId: e.sessionId.toString() } : {}),
          requestId: e.requestId ?? null,
          detail: (e.detail as Record<string, unknown> | undefined) ?? {},
        })),
        nextCursor: page.nextCursor,
      };
    },

    async signinsPerHour(window) {
      const hours = window === 'day' ? 24 : 168;
      // The current hour is the last bucket.
      const to = new Date((Math.floor(clock() / HOUR_MS) + 1) * HOUR_MS);
      const from = new Date(to.getTime() - hours * HOUR_MS);
      const counts = await AuditHour.find(
        { type: { $in: ['signin_succeeded', 'signin_failed', 'signin_throttled'] }, hour: { $gte: from, $lt: to } },
        { hour: 1, type: 1, count: 1 },
      ).lean();
      const series = Array.from({ length: hours }, (_, i) => ({ hour: new Date(from.getTime() + i * HOUR_MS), signins: 0, failed: 0, throttled: 0 }));
      for (const { hour, type, count } of counts) {
        const bucket = series[Math.round((hour.getTime() - from.getTime()) / HOUR_MS)];
        if (!bucket) continue;
        if (type === 'signin_succeeded') bucket.signins += count;
        else if (type === 'signin_failed') bucket.failed += count;
        else bucket.throttled += count;
      }
      return { from, to, hours: series };
    },
  };
}
