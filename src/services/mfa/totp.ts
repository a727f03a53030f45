import { randomInt } from 'node:crypto';
import type { Types } from 'mongoose';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { User } from '../../models/user.model';
import { AppError } from '../../utils/app-error';
import type { Clock } from '../../utils/clock';
import { sha256Hex } from '../../utils/hash';
import type { CurrentPasswordCheck } from '../current-password';
import type { SecurityEvents } from '../security-events';
import type { ClientContext } from '../session.service';
import { isThrottled, type CodeAttempts } from '../throttle';
import { userNotFound } from '../user.service';
import type { SecretBox } from './secret-box';

/** RFC 6238 as every authenticator app reads it: SHA-1, six digits, 30-second steps. */
const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** Codes one step either side of now are accepted (clock drift, a code typed as it turned). */
const DRIFT_STEPS = 1;
/** 160 bits, the size RFC 4226 recommends. */
const SECRET_BYTES = 20;
/** How long an enrolment waits for its first code. */
const PENDING_TTL_MS = 10 * 60 * 1000;
export const RECOVERY_CODE_COUNT = 10;
/** 16 characters of a 32-letter alphabet: 80 random bits, beyond an offline search of their SHA-256. */
const RECOVERY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const RECOVERY_LENGTH = 16;

export type SecondFactor = 'totp' | 'recovery_code';

/** A TOTP code or a recovery code: exactly one (the validation schemas see to it). */
export interface SecondFactorInput {
  code?: string | undefined;
  recoveryCode?: string | undefined;
}

export interface TotpEnrolment {
  /** Base32, for typing into an app that cannot scan. */
  secret: string;
  otpauthUrl: string;
  /** The otpauth URL as a QR code: an SVG image in a data: URL. */
  qrCode: string;
  expiresAt: Date;
}

/** The user fields a code check reads. */
export interface FactorHolder {
  _id: Types.ObjectId;
  totp?: { secret: string; lastStep: number } | null | undefined;
}

export interface TotpService {
  /** Needs the current password; a new secret, pending until its first code. 409 when a factor is active. */
  enrol(userId: string, currentPassword: string, ctx: ClientContext): Promise<TotpEnrolment>;
  /** The first code of the pending secret: the factor is active, and the recovery codes are returned (the only time). */
  activate(userId: string, code: string, ctx: ClientContext): Promise<{ recoveryCodes: string[] }>;
  /** Needs the current password and a code or a recovery code. */
  disable(userId: string, input: SecondFactorInput & { currentPassword: string }, ctx: ClientContext): Promise<void>;
  /** Needs the current password and a code (or a recovery code); the earlier codes stop working. */
  regenerateRecoveryCodes(
    userId: string,
    input: SecondFactorInput & { currentPassword: string },
    ctx: ClientContext,
  ): Promise<{ recoveryCodes: string[] }>;
  /**
   * Checks, and uses up, a code of a user whose factor is active: attempts counted first (per
   * user, and per pending sign-in when given), a TOTP code accepted once, a recovery code
   * removed. `failure`: the status of a wrong code (401 at sign-in, 403 for a signed-in user,
   * whom SPA clients would otherwise send to refresh).
   */
  verify(
    user: FactorHolder,
    input: SecondFactorInput,
    ctx: ClientContext,
    options: { failure: 401 | 403; pendingSigninId?: string },
  ): Promise<SecondFactor>;
}

export interface TotpServiceDeps {
  /** Undefined in production without DATA_ENCRYPTION_KEY: no new factor can be enrolled. */
  box: SecretBox | undefined;
  issuer: string;
  checkCurrentPassword: CurrentPasswordCheck;
  attempts: CodeAttempts;
  events: SecurityEvents;
  clock: Clock;
}

/** Associated data of a sealed secret: it opens only in this user's document, for this use. */
const sealContext = (userId: Types.ObjectId | string) => `totp:${userId.toString()}`;

export const hashRecoveryCode = (code: string) => sha256Hex(normalizeRecoveryCode(code));

/** Codes are shown as XXXX-XXXX-XXXX-XXXX; typed in any case, with or without the dashes and spaces. */
const normalizeRecoveryCode = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');

function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = Array.from({ length: RECOVERY_LENGTH }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return raw.match(/.{4}/g)!.join('-');
  });
  return { codes, hashes: codes.map(hashRecoveryCode) };
}

/** Whether any user has an authenticator app (an indexed lookup: the partial index on totp.enabledAt). */
export const anyTotpFactor = async (): Promise<boolean> => (await User.exists({ 'totp.enabledAt': { $exists: true } })) !== null;

const mfaUnavailable = () =>
  new AppError(503, 'MFA_UNAVAILABLE', 'Authenticator apps cannot be enrolled: the service has no DATA_ENCRYPTION_KEY.');
const notEnabled = () => new AppError(409, 'TOTP_NOT_ENABLED', 'No authenticator app is enabled on this account.');

export function createTotpService(deps: TotpServiceDeps): TotpService {
  const { box, issuer, checkCurrentPassword, attempts, events, clock } = deps;
  function requireBox(): SecretBox {
    if (!box) throw mfaUnavailable();
    return box;
  }

  /** The step a code belongs to, within the drift, or undefined. */
  function stepOf(secret: Buffer, code: string): number | undefined {
    const timestamp = clock();
    const delta = TOTP.validate({ token: code, secret: new Secret({ buffer: new Uint8Array(secret).buffer }), timestamp, window: DRIFT_STEPS, ...TOTP_PARAMS });
    return delta === null ? undefined : TOTP.counter({ period: TOTP_PARAMS.period, timestamp }) + delta;
  }

  /** Takes the code of `step`: one conditional write, so a code (or an older one) is accepted once. */
  async function takeStep(userId: Types.ObjectId, step: number): Promise<boolean> {
    const result = await User.updateOne({ _id: userId, 'totp.lastStep': { $lt: step } }, { $set: { 'totp.lastStep': step } });
    return result.modifiedCount === 1;
  }

  async function takeRecoveryCode(userId: Types.ObjectId, code: string): Promise<boolean> {
    const hash = hashRecoveryCode(code);
    const result = await User.updateOne({ _id: userId, recoveryCodes: hash }, { $pull: { recoveryCodes: hash } });
    return result.modifiedCount === 1;
  }

  async function loadForChange(userId: string) {
    const user = await User.findById(userId, { username: 1, password: 1, totp: 1, totpPending: 1 }).lean();
    if (!user) throw userNotFound();
    return user;
  }

  const service: TotpService = {
    async enrol(userId, currentPassword, ctx) {
      const sealer = requireBox();
      const user = await loadForChange(userId);
      await checkCurrentPassword(user, currentPassword, ctx);
      if (user.totp) throw new AppError(409, 'TOTP_ALREADY_ENABLED', 'An authenticator app is already enabled; remove it first.');

      const secret = new Secret({ size: SECRET_BYTES });
      const expiresAt = new Date(clock() + PENDING_TTL_MS);
      // Only while no factor is active: an enrolment racing an activation cannot replace it.
      const result = await User.updateOne(
        { _id: user._id, totp: { $exists: false } },
        { $set: { totpPending: { secret: sealer.seal(Buffer.from(secret.bytes), sealContext(user._id)), expiresAt } } },
      );
      if (result.matchedCount === 0) throw new AppError(409, 'TOTP_ALREADY_ENABLED', 'An authenticator app is already enabled; remove it first.');

      const otpauthUrl = new TOTP({ issuer, label: user.username, secret, ...TOTP_PARAMS }).toString();
      const svg = await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return {
        secret: secret.base32,
        otpauthUrl,
        qrCode: `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`,
        expiresAt,
      };
    },

    async activate(userId, code, ctx) {
      const sealer = requireBox();
      const user = await loadForChange(userId);
      if (user.totp) throw new AppError(409, 'TOTP_ALREADY_ENABLED', 'An authenticator app is already enabled.');
      const pending = user.totpPending;
      if (!pending || pending.expiresAt.getTime() <= clock()) {
        throw new AppError(409, 'TOTP_NOT_PENDING', 'No enrolment is waiting for a code (or it expired); start again.');
      }

      const attempt = await begin(user._id, ctx);
      const step = stepOf(sealer.open(pending.secret, sealContext(user._id)), code);
      if (step === undefined) throw wrongCode(user._id, ctx, 403, 'totp');
      const { codes, hashes } = newRecoveryCodes();
      // The pending secret that was checked becomes the factor, unless something changed
      // meanwhile (another enrolment or activation): one conditional write.
      const result = await User.updateOne(
        { _id: user._id, 'totpPending.secret': pending.secret, totp: { $exists: false } },
        {
          $set: { totp: { secret: pending.secret, enabledAt: new Date(clock()), lastStep: step }, recoveryCodes: hashes },
          $unset: { totpPending: 1 },
        },
      );
      if (result.modifiedCount === 0) {
        throw new AppError(409, 'TOTP_NOT_PENDING', 'The enrolment changed meanwhile; start again.');
      }
      await attempt.succeeded();
      events.record('mfa_enabled', { userId, ...ctx });
      return { recoveryCodes: codes };
    },

    async disable(userId, input, ctx) {
      const user = await loadForChange(userId);
      await checkCurrentPassword(user, input.currentPassword, ctx);
      if (!user.totp) throw notEnabled();
      await service.verify(user, input, ctx, { failure: 403 });
      await User.updateOne({ _id: user._id }, { $unset: { totp: 1, totpPending: 1, recoveryCodes: 1 } });
      events.record('mfa_disabled', { userId, ...ctx });
    },

    async regenerateRecoveryCodes(userId, input, ctx) {
      const user = await loadForChange(userId);
      await checkCurrentPassword(user, input.currentPassword, ctx);
      if (!user.totp) throw notEnabled();
      await service.verify(user, input, ctx, { failure: 403 });
      const { codes, hashes } = newRecoveryCodes();
      const result = await User.updateOne({ _id: user._id, totp: { $exists: true } }, { $set: { recoveryCodes: hashes } });
      if (result.matchedCount === 0) throw notEnabled();
      events.record('recovery_codes_regenerated', { userId, ...ctx });
      return { recoveryCodes: codes };
    },

    async verify(user, input, ctx, { failure, pendingSigninId }) {
      if (!user.totp) throw notEnabled();
      const attempt = await begin(user._id, ctx, pendingSigninId);
      let factor: SecondFactor;
      if (input.recoveryCode !== undefined) {
        factor = 'recovery_code';
        if (!(await takeRecoveryCode(user._id, input.recoveryCode))) throw wrongCode(user._id, ctx, failure, factor);
      } else {
        factor = 'totp';
        const step = input.code === undefined ? undefined : stepOf(requireBox().open(user.totp.secret, sealContext(user._id)), input.code);
        // A right code of a step already used is refused like a wrong one: it may have been seen.
        if (step === undefined || !(await takeStep(user._id, step))) throw wrongCode(user._id, ctx, failure, factor);
      }
      await attempt.succeeded();
      if (factor === 'recovery_code') events.record('recovery_code_used', { userId: user._id.toString(), ...ctx });
      return factor;
    },
  };

  async function begin(userId: Types.ObjectId, ctx: ClientContext, pendingSigninId?: string) {
    try {
      return await attempts.begin(userId.toString(), pendingSigninId);
    } catch (err) {
      if (isThrottled(err)) events.record('mfa_throttled', { userId: userId.toString(), ...ctx });
      throw err;
    }
  }

  function wrongCode(userId: Types.ObjectId, ctx: ClientContext, status: 401 | 403, factor: SecondFactor): AppError {
    events.record('mfa_failed', { userId: userId.toString(), ...ctx, detail: { factor } });
    return factor === 'recovery_code'
      ? new AppError(status, 'INVALID_RECOVERY_CODE', 'The recovery code is wrong or was already used.')
      : new AppError(status, 'INVALID_MFA_CODE', 'The authentication code is wrong or was already used.');
  }

  return service;
}
