import { Types } from 'mongoose';
import type { Logger } from '../config/logger';
import { SECURITY_EVENTS, type SecurityEventType } from '../config/security-events';
import type { AuditActorKind } from '../models/audit-event.model';
import type { Clock } from '../utils/clock';
import { OBJECT_ID_PATTERN } from '../utils/object-id';
import type { AuditWriter } from './audit/writer';

export { SECURITY_EVENTS, type SecurityEventType };

/** Who and where; ids as strings. Never a password, token, code or cookie. */
export interface SecurityEventFields {
  userId?: string | undefined;
  /** The username tried, for sign-in failures (the account may not exist). */
  username?: string | undefined;
  /** Who acted, when it is not the user (an admin). */
  actorId?: string | undefined;
  sessionId?: string | undefined;
  ip?: string | undefined;
  userAgent?: string | undefined;
  requestId?: string | undefined;
  /** A small, secret-free detail: a reason, a code, roles. */
  detail?: Record<string, string | number | boolean | string[]>;
}

export interface SecurityEvents {
  record(type: SecurityEventType, fields: SecurityEventFields): void;
}

/** Done by the service itself, not by a user or an admin. */
const SYSTEM_EVENTS: ReadonlySet<SecurityEventType> = new Set(['admin_created', 'admin_restored']);
const MAX_USER_AGENT = 256;

const objectId = (id: string | undefined) => (id !== undefined && OBJECT_ID_PATTERN.test(id) ? new Types.ObjectId(id) : undefined);

function actorOf(type: SecurityEventType, fields: SecurityEventFields): { kind: AuditActorKind; id?: Types.ObjectId } {
  if (SYSTEM_EVENTS.has(type)) return { kind: 'system' };
  const admin = objectId(fields.actorId);
  if (admin) return { kind: 'admin', id: admin };
  const user = objectId(fields.userId);
  return user ? { kind: 'user', id: user } : { kind: 'user' };
}

/**
 * Security events as structured log lines (`{"event": "signin_failed", "username": ..., ...}`)
 * and, with an audit writer, as documents of the audit trail (services/audit).
 */
export function createSecurityEvents(logger: Logger, audit?: { writer: AuditWriter; clock: Clock }): SecurityEvents {
  return {
    record(type, fields) {
      const { level, text } = SECURITY_EVENTS[type];
      logger[level]({ event: type, ...fields }, text);
      if (!audit) return;
      const { userId, username, sessionId, ip, userAgent, requestId, detail } = fields;
      const user = objectId(userId);
      const session = objectId(sessionId);
      audit.writer.write({
        at: new Date(audit.clock()),
        type,
        actor: actorOf(type, fields),
        ...(user ? { user } : {}),
        ...(username !== undefined ? { username } : {}),
        ...(ip !== undefined ? { ip } : {}),
        ...(userAgent !== undefined ? { userAgent: userAgent.slice(0, MAX_USER_AGENT) } : {}),
        ...(session ? { sessionId: session } : {}),
        ...(requestId !== undefined ? { requestId } : {}),
        ...(detail !== undefined ? { detail } : {}),
      });
    },
  };
}
