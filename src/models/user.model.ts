import type { Types } from 'mongoose';
import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * Usernames and emails are unique regardless of case: `Alice` and `alice` are one account.
 * The lower-cased copies carry the unique indexes, so the database (not a read-then-write
 * check) decides who wins when two sign-ups race.
 */
export const normalizeKey = (value: string): string => value.trim().toLowerCase();

/** An authenticator app's shared secret: encrypted at rest (services/mfa/secret-box). */
const totpSchema = new Schema(
  {
    secret: { type: String, required: true },
    enabledAt: { type: Date, required: true },
    // The time step of the last code accepted: a code is accepted once, and none of an
    // earlier step after it (one conditional write decides, see services/mfa/totp).
    lastStep: { type: Number, required: true },
  },
  { _id: false },
);

/** A secret shown to the user and waiting for its first code. */
const pendingTotpSchema = new Schema(
  {
    secret: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { _id: false },
);

const userSchema = new Schema(
  {
    username: { type: String, required: true },
    usernameKey: { type: String, required: true },
    email: { type: String, required: true },
    emailKey: { type: String, required: true },
    password: { type: String, required: true },
    roles: { type: [{ type: Schema.Types.ObjectId, ref: 'Role' }], default: [] },
    // A disabled account cannot sign in or refresh, and its access tokens stop working.
    disabled: { type: Boolean, default: false },
    passwordChangedAt: { type: Date },
    // The user proved they read mail at `email` (a verification or reset link was used).
    emailVerified: { type: Boolean, default: false },
    // Moves on with every password change; access tokens carry the version they were issued
    // under, and the guard refuses older ones (see user-state.service).
    tokenVersion: { type: Number, default: 0 },
    totp: { type: totpSchema, default: undefined },
    totpPending: { type: pendingTotpSchema, default: undefined },
    // SHA-256 of each unused recovery code (80 random bits each); one is removed when used.
    recoveryCodes: { type: [String], default: undefined },
    // Registered passkeys, kept beside the user so that the cap is one conditional write.
    passkeyCount: { type: Number, default: 0 },
    lastSigninAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);

userSchema.index({ usernameKey: 1 }, { unique: true, name: 'username_unique_ci' });
userSchema.index({ emailKey: 1 }, { unique: true, name: 'email_unique_ci' });
// Finds the active admins (the last-admin guard) without a collection scan.
userSchema.index({ roles: 1, disabled: 1 });

// The few users with an authenticator app: found without a scan (the start-up check that a
// production service holding TOTP secrets has their key).
userSchema.index({ 'totp.enabledAt': 1 }, { partialFilterExpression: { 'totp.enabledAt': { $exists: true } } });

userSchema.pre('validate', function normalizeKeys() {
  this.usernameKey = normalizeKey(this.username);
  this.emailKey = normalizeKey(this.email);
});

export type UserDoc = InferSchemaType<typeof userSchema> & { _id: Types.ObjectId };
export const User = model('User', userSchema);
