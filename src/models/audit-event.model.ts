import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

export const AUDIT_ACTORS = ['user', 'admin', 'system'] as const;
export type AuditActorKind = (typeof AUDIT_ACTORS)[number];

/**
 * One security event (services/security-events): who did what to which account, from where.
 * Written in batches off the request path (services/audit/writer), kept until `expiresAt`
 * (AUDIT_RETENTION_DAYS after the event) by a TTL index. Never a secret: the detail is a
 * small object the code fills (reasons, roles, counts, ids).
 */
const auditEventSchema = new Schema(
  {
    at: { type: Date, required: true },
    type: { type: String, required: true },
    actor: {
      type: new Schema(
        { kind: { type: String, enum: AUDIT_ACTORS, required: true }, id: { type: Schema.Types.ObjectId } },
        { _id: false },
      ),
      required: true,
    },
    // The account the event is about (absent for a sign-in attempt on an unknown name).
    user: { type: Schema.Types.ObjectId },
    // The name tried, on sign-in failures (the account may not exist).
    username: { type: String },
    ip: { type: String },
    userAgent: { type: String },
    sessionId: { type: Schema.Types.ObjectId },
    requestId: { type: String },
    detail: { type: Schema.Types.Mixed },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'audit_events' },
);

// Every list reads one of these in order (newest first) and stops at its page: all events,
// one user's, one type's, one user's of one type. A time range is a range on `at` in each.
auditEventSchema.index({ at: -1, _id: -1 });
auditEventSchema.index({ user: 1, at: -1, _id: -1 });
auditEventSchema.index({ type: 1, at: -1, _id: -1 });
auditEventSchema.index({ user: 1, type: 1, at: -1, _id: -1 });
auditEventSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type AuditEventDoc = InferSchemaType<typeof auditEventSchema> & { _id: Types.ObjectId };
export const AuditEvent = model('AuditEvent', auditEventSchema);

/**
 * Events per hour and type, counted as the events are written: the sign-in chart reads 24 or
 * 168 of these per series, however many events the hours hold.
 */
const auditHourSchema = new Schema(
  {
    // `${hour.toISOString()}|${type}`
    _id: { type: String, required: true },
    hour: { type: Date, required: true },
    type: { type: String, required: true },
    count: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'audit_hours' },
);

auditHourSchema.index({ type: 1, hour: 1 });
auditHourSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export const AuditHour = model('AuditHour', auditHourSchema);
