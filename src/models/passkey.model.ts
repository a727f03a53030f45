import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

/**
 * A WebAuthn credential (passkey) registered by a user: its public key, the authenticator's
 * signature counter, and what the user called it. Nothing here is secret.
 */
const passkeySchema = new Schema(
  {
    user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    // The credential id, base64url, as the browser reports it on every use.
    credentialId: { type: String, required: true },
    publicKey: { type: Buffer, required: true },
    counter: { type: Number, required: true },
    transports: { type: [String], default: undefined },
    name: { type: String, required: true },
    deviceType: { type: String, enum: ['singleDevice', 'multiDevice'] },
    backedUp: { type: Boolean },
    aaguid: { type: String },
    lastUsedAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

passkeySchema.index({ credentialId: 1 }, { unique: true });
// A user's passkeys, newest first: the list's pages.
passkeySchema.index({ user: 1, _id: -1 });

export type PasskeyDoc = InferSchemaType<typeof passkeySchema> & { _id: Types.ObjectId };
export const Passkey = model('Passkey', passkeySchema);
