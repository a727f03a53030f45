import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

/** How a session was signed in: shown in the user's session list. */
export const SIGNIN_METHODS = ['password', 'password+totp', 'password+recovery_code', 'passkey'] as const;
export type SigninMethod = (typeof SIGNIN_METHODS)[number];

/** How many rotated tokens a session remembers (for reuse detection); older ones drop out. */
export const MAX_ROTATED_TOKENS = 100;

/**
 * One document per sign-in: the session, i.e. the family of refresh tokens issued from the
 * sign-in's token by rotation. Only SHA-256 hashes of tokens are stored.
 *
 * Every token has a generation: 0 for the sign-in token, parent + 1 for a rotated one.
 * `presentedGeneration` is the highest generation presented so far; a token whose
 * generation is lower has been superseded, and presenting it again is treated as theft.
 * The sign-in token has a field of its own so that it is never dropped from the list:
 * clients that never store the rotated token keep presenting it.
 */
const rotatedTokenSchema = new Schema(
  {
    hash: { type: String, required: true },
    generation: { type: Number, required: true },
    issuedAt: { type: Date, required: true },
  },
  { _id: false },
);

const refreshTokenSchema = new Schema(
  {
    user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    rootHash: { type: String, required: true },
    rotated: { type: [rotatedTokenSchema], default: [] },
    presentedGeneration: { type: Number, default: 0 },
    // Fixed at sign-in: rotation never extends a session.
    expiresAt: { type: Date, required: true },
    lastUsedAt: { type: Date, required: true },
    userAgent: { type: String },
    ip: { type: String },
    // How the session signed in (see SIGNIN_METHODS); sessions from before it was kept have none.
    method: { type: String, enum: SIGNIN_METHODS },
    revokedAt: { type: Date, default: null },
    revokedReason: { type: String },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

refreshTokenSchema.index({ rootHash: 1 }, { unique: true });
refreshTokenSchema.index({ 'rotated.hash': 1 });
// A user's active sessions, most recently used first: the session list's pages and the trim
// of sessions beyond the cap read this index and nothing else.
refreshTokenSchema.index({ user: 1, revokedAt: 1, lastUsedAt: -1, _id: -1 });
// MongoDB purges a session once it expires (revoked ones are kept until then, so that a
// reused token is still recognised).
refreshTokenSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type RefreshTokenDoc = InferSchemaType<typeof refreshTokenSchema> & { _id: Types.ObjectId };
export const RefreshToken = model('RefreshToken', refreshTokenSchema);
