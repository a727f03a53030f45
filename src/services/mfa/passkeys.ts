import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { ClientSession, Connection, Types } from 'mongoose';
import { atomically } from '../../db/transaction';
import { isDuplicateKeyError } from '../../db/errors';
import { Passkey } from '../../models/passkey.model';
import { User } from '../../models/user.model';
import { AppError } from '../../utils/app-error';
import type { Clock } from '../../utils/clock';
import { decodeIdCursor, encodeKeyCursor, pageOf } from '../../utils/cursor';
import type { CurrentPasswordCheck } from '../current-password';
import type { SecurityEvents } from '../security-events';
import type { ClientContext } from '../session.service';
import { userNotFound } from '../user.service';
import type { OneTimeTokens, OneTimePurpose, OpenedToken } from './one-time-tokens';

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** multiDevice: synced by a password manager or platform (it survives a lost device). */
  deviceType: 'singleDevice' | 'multiDevice' | null;
  backedUp: boolean | null;
}

export interface PasskeyPage {
  passkeys: PasskeyView[];
  nextCursor: string | null;
}

export interface PasskeyService {
  /** Needs the current password (a stolen access token must not add a way in); 409 at the cap. */
  registrationOptions(userId: string, currentPassword: string, ctx: ClientContext): Promise<PublicKeyCredentialCreationOptionsJSON>;
  register(userId: string, input: { response: RegistrationResponseJSON; name?: string | undefined }, ctx: ClientContext): Promise<PasskeyView>;
  list(userId: string, page: { limit: number; cursor?: string | undefined }): Promise<PasskeyPage>;
  rename(userId: string, passkeyId: string, name: string): Promise<PasskeyView>;
  remove(userId: string, passkeyId: string, ctx: ClientContext): Promise<void>;
  /** Options for a sign-in with any passkey of this site (discoverable credentials: no username). */
  signinOptions(): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** The user whose passkey signed the challenge (user verification required); 401 otherwise. */
  authenticate(response: AuthenticationResponseJSON, ctx: ClientContext): Promise<{ userId: Types.ObjectId }>;
  /** Every passkey of the user goes (an admin's reset, a deletion); returns how many. */
  removeAllOf(userId: Types.ObjectId, session?: ClientSession): Promise<number>;
}

export interface PasskeyServiceDeps {
  tokens: OneTimeTokens;
  rpId: string;
  rpName: string;
  origins: readonly string[];
  maxPerUser: number;
  checkCurrentPassword: CurrentPasswordCheck;
  events: SecurityEvents;
  clock: Clock;
  connection: Connection;
}

/** How long a ceremony may take, from the options to the browser's answer. */
export const CEREMONY_TTL_SECONDS = 300;
const DEFAULT_NAME = 'Passkey';
const LIST = 'passkeys';

const invalidRegistration = (why: string) => new AppError(400, 'PASSKEY_INVALID', `The passkey could not be registered: ${why}.`);
const signinRefused = () => new AppError(401, 'PASSKEY_REFUSED', 'The passkey sign-in failed; please try again.');
const notFound = () => new AppError(404, 'PASSKEY_NOT_FOUND', 'Passkey not found.');
const limitReached = (max: number) =>
  new AppError(409, 'PASSKEY_LIMIT', `An account holds at most ${max} passkeys; remove one first.`);

/** The challenge the browser signed, read from its client data (verified by the library after). */
function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    const challenge = (parsed as { challenge?: unknown } | null)?.challenge;
    return typeof challenge === 'string' ? challenge : undefined;
  } catch {
    return undefined;
  }
}

const view = (p: {
  _id: Types.ObjectId;
  name: string;
  createdAt: Date;
  lastUsedAt?: Date | null;
  deviceType?: string | null;
  backedUp?: boolean | null;
}): PasskeyView => ({
  id: p._id.toString(),
  name: p.name,
  createdAt: p.createdAt,
  lastUsedAt: p.lastUsedAt ?? null,
  deviceType: p.deviceType === 'singleDevice' || p.deviceType === 'multiDevice' ? p.deviceType : null,
  backedUp: p.backedUp ?? null,
});

const VIEW_FIELDS = { name: 1, createdAt: 1, lastUsedAt: 1, deviceType: 1, backedUp: 1 } as const;

export function createPasskeyService(deps: PasskeyServiceDeps): PasskeyService {
  const { tokens, rpId, rpName, maxPerUser, checkCurrentPassword, events, clock, connection } = deps;
  const origins = [...deps.origins];

  /** The ceremony's challenge: one of ours, of this purpose, unexpired (not yet spent: that is checked after the signature). */
  function openChallenge(clientDataJSON: string, purpose: OneTimePurpose): { challenge: string; opened: OpenedToken } | undefined {
    const challenge = challengeOf(clientDataJSON);
    const opened = challenge === undefined ? undefined : tokens.open(challenge, purpose);
    return challenge === undefined || opened === undefined ? undefined : { challenge, opened };
  }

  /** What every ceremony must show: our challenge, an allowed page, our RP id, a verified user. */
  const expected = (challenge: string) => ({
    expectedChallenge: challenge,
    expectedOrigin: origins,
    expectedRPID: rpId,
    requireUserVerification: true,
  });

  return {
    async registrationOptions(userId, currentPassword, ctx) {
      const user = await User.findById(userId, { username: 1, password: 1, passkeyCount: 1, tokenVersion: 1 }).lean();
      if (!user) throw userNotFound();
      await checkCurrentPassword(user, currentPassword, ctx);
      if ((user.passkeyCount ?? 0) >= maxPerUser) throw limitReached(maxPerUser);
      // The cap bounds this read.
      const existing = await Passkey.find({ user: user._id }, { credentialId: 1, transports: 1 }).limit(maxPerUser).lean();
      const challenge = tokens.issue('passkey_register', CEREMONY_TTL_SECONDS, { id: user._id, version: user.tokenVersion ?? 0 });
      return generateRegistrationOptions({
        rpName,
        rpID: rpId,
        userName: user.username,
        userDisplayName: user.username,
        // The user handle the authenticator keeps: the id, which says nothing about the person.
        userID: new Uint8Array(user._id.id),
        challenge: Buffer.from(challenge, 'base64url'),
        timeout: CEREMONY_TTL_SECONDS * 1000,
        attestationType: 'none',
        // One passkey per authenticator.
        excludeCredentials: existing.map((p) => ({ id: p.credentialId, ...(p.transports ? { transports: p.transports } : {}) })),
        // Discoverable (a sign-in needs no username) and verified (a PIN or biometric: the
        // passkey is a whole sign-in, not a second factor).
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      });
    },

    async register(userId, { response, name }, ctx) {
      const ceremony = openChallenge(response.response.clientDataJSON, 'passkey_register');
      if (!ceremony || !ceremony.opened.userId?.equals(userId)) throw invalidRegistration('the challenge is unknown or expired');
      const user = await User.findById(userId, { tokenVersion: 1 }).lean();
      if (!user) throw userNotFound();
      // A password change since the options voids them.
      if ((user.tokenVersion ?? 0) !== ceremony.opened.version) throw invalidRegistration('the challenge is unknown or expired');

      let verification;
      try {
        verification = await verifyRegistrationResponse({ response, ...expected(ceremony.challenge) });
      } catch (err) {
        throw invalidRegistration(err instanceof Error ? err.message : 'verification failed');
      }
      if (!verification.verified) throw invalidRegistration('verification failed');
      if (!(await tokens.spend(ceremony.opened))) throw invalidRegistration('the challenge was already used');

      const info = verification.registrationInfo;
      const created = await atomically(connection, async (session) => {
        // The count and the insert together: of any number of concurrent registrations, no
        // more than the cap land.
        const counted = await User.updateOne(
          { _id: user._id, passkeyCount: { $lt: maxPerUser } },
          { $inc: { passkeyCount: 1 } },
          { session },
        );
        if (counted.modifiedCount === 0) throw limitReached(maxPerUser);
        try {
          const [doc] = await Passkey.create(
            [
              {
                user: user._id,
                credentialId: info.credential.id,
                publicKey: Buffer.from(info.credential.publicKey),
                counter: info.credential.counter,
                transports: info.credential.transports,
                name: name ?? DEFAULT_NAME,
                deviceType: info.credentialDeviceType,
                backedUp: info.credentialBackedUp,
                aaguid: info.aaguid,
              },
            ],
            { session },
          );
          return doc!;
        } catch (err) {
          if (isDuplicateKeyError(err)) throw new AppError(409, 'PASSKEY_EXISTS', 'This passkey is already registered.');
          throw err;
        }
      });
      events.record('passkey_added', { userId, ...ctx, detail: { passkeyId: created._id.toString() } });
      return view(created);
    },

    async list(userId, { limit, cursor }) {
      const after = cursor === undefined ? undefined : decodeIdCursor(cursor, LIST);
      const found = await Passkey.find({ user: userId, ...(after === undefined ? {} : { _id: { $lt: after } }) }, VIEW_FIELDS)
        .sort({ _id: -1 })
        .limit(limit + 1)
        .lean();
      const page = pageOf(found, limit, (last) => encodeKeyCursor(LIST, last._id.toHexString()));
      return { passkeys: page.items.map(view), nextCursor: page.nextCursor };
    },

    async rename(userId, passkeyId, name) {
      const updated = await Passkey.findOneAndUpdate({ _id: passkeyId, user: userId }, { $set: { name } }, { returnDocument: 'after', projection: VIEW_FIELDS }).lean();
      if (!updated) throw notFound();
      return view(updated);
    },

    async remove(userId, passkeyId, ctx) {
      await atomically(connection, async (session) => {
        const removed = await Passkey.deleteOne({ _id: passkeyId, user: userId }, { session });
        if (removed.deletedCount === 0) throw notFound();
        await User.updateOne({ _id: userId }, { $inc: { passkeyCount: -1 } }, { session });
      });
      events.record('passkey_removed', { userId, ...ctx, detail: { passkeyId } });
    },

    signinOptions() {
      const challenge = tokens.issue('passkey_signin', CEREMONY_TTL_SECONDS);
      return generateAuthenticationOptions({
        rpID: rpId,
        challenge: Buffer.from(challenge, 'base64url'),
        timeout: CEREMONY_TTL_SECONDS * 1000,
        userVerification: 'required',
      });
    },

    async authenticate(response, ctx) {
      const refuse = (reason: string, userId?: Types.ObjectId) => {
        events.record('passkey_failed', { userId: userId?.toString(), ...ctx, detail: { reason } });
        return signinRefused();
      };
      const ceremony = openChallenge(response.response.clientDataJSON, 'passkey_signin');
      if (!ceremony) throw refuse('challenge');
      const passkey = await Passkey.findOne({ credentialId: response.id }, { user: 1, publicKey: 1, counter: 1, transports: 1, credentialId: 1 }).lean();
      if (!passkey) throw refuse('unknown_credential');
      // The authenticator names the user it holds the passkey for: it must be the owner.
      const handle = response.response.userHandle;
      if (handle !== undefined && handle !== Buffer.from(passkey.user.id).toString('base64url')) throw refuse('user_handle', passkey.user);

      let verification;
      try {
        verification = await verifyAuthenticationResponse({
          response,
          ...expected(ceremony.challenge),
          credential: {
            id: passkey.credentialId,
            publicKey: new Uint8Array(passkey.publicKey.buffer),
            counter: passkey.counter,
            ...(passkey.transports ? { transports: passkey.transports } : {}),
          },
        });
      } catch (err) {
        if (err instanceof Error && /counter/i.test(err.message)) {
          events.record('passkey_counter_regression', { userId: passkey.user.toString(), ...ctx, detail: { passkeyId: passkey._id.toString() } });
          throw signinRefused();
        }
        throw refuse('verification', passkey.user);
      }
      if (!verification.verified) throw refuse('verification', passkey.user);
      if (!(await tokens.spend(ceremony.opened))) throw refuse('challenge_reused', passkey.user);
      // $max: two sign-ins verified against the same stored count both move it forward, and
      // it never goes back.
      await Passkey.updateOne(
        { _id: passkey._id },
        { $max: { counter: verification.authenticationInfo.newCounter }, $set: { lastUsedAt: new Date(clock()) } },
      );
      return { userId: passkey.user };
    },

    async removeAllOf(userId, session) {
      const removed = await Passkey.deleteMany({ user: userId }, { session });
      await User.updateOne({ _id: userId }, { $set: { passkeyCount: 0 } }, { session });
      return removed.deletedCount;
    },
  };
}
