import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

/**
 * Only the SHA-256 of a refresh token is stored: a copy of this collection does not let
 * anyone refresh. The TTL index lets MongoDB purge tokens once they expire.
 */
const refreshTokenSchema = new Schema(
  {
    tokenHash: { type: String, required: true },
    user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

refreshTokenSchema.index({ tokenHash: 1 }, { unique: true });
refreshTokenSchema.index({ user: 1 });
refreshTokenSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type RefreshTokenDoc = InferSchemaType<typeof refreshTokenSchema> & { _id: Types.ObjectId };
export const RefreshToken = model('RefreshToken', refreshTokenSchema);
