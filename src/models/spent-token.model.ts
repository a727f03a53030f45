import { Schema, model } from 'mongoose';

/**
 * Single-use tokens that were used: the SHA-256 of each (as _id), kept until the token would
 * have expired anyway. Inserting it is the use, so of two requests presenting one token the
 * unique _id lets exactly one through (services/mfa/one-time-tokens).
 */
const spentTokenSchema = new Schema(
  {
    _id: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);

spentTokenSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export const SpentToken = model('SpentToken', spentTokenSchema);
