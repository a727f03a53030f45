import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

export const ACTION_PURPOSES = ['reset_password', 'verify_email', 'change_email'] as const;
export type ActionPurpose = (typeof ACTION_PURPOSES)[number];

/**
 * A token sent by mail (password reset, email verification, email change): only its SHA-256
 * is stored; it is bound to a purpose and to the address it was sent to (`email`, the
 * normalised key), single use (consumed by one atomic find-and-delete) and short-lived (a TTL
 * index removes it at `expiresAt`). A user holds at most one per purpose: issuing a new one
 * voids the previous.
 */
const actionTokenSchema = new Schema(
  {
    hash: { type: String, required: true },
    user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    purpose: { type: String, enum: ACTION_PURPOSES, required: true },
    email: { type: String, required: true },
    // change_email: the new address, as the user typed it.
    newEmail: { type: String },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

actionTokenSchema.index({ hash: 1 }, { unique: true });
actionTokenSchema.index({ user: 1, purpose: 1 });
actionTokenSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type ActionTokenDoc = InferSchemaType<typeof actionTokenSchema> & { _id: Types.ObjectId };
export const ActionToken = model('ActionToken', actionTokenSchema);
