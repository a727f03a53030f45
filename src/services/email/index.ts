import type { Connection, Types } from 'mongoose';
import type { Config } from '../../config/config';
import type { Logger } from '../../config/logger';
import { atomically } from '../../db/transaction';
import { isDuplicateKeyError } from '../../db/errors';
import { User, normalizeKey } from '../../models/user.model';
import { AppError, Messages } from '../../utils/app-error';
import type { CurrentPasswordCheck } from '../current-password';
import type { PasswordPolicy, PasswordService } from '../password';
import type { SecurityEvents } from '../security-events';
import type { ClientContext, SessionService } from '../session.service';
import { isThrottled, type MailThrottle } from '../throttle';
import type { UserStateService } from '../user-state.service';
import { userNotFound } from '../user.service';
import type { ActionTokens } from './action-tokens';
import { invalidToken } from './action-tokens';
import type { Mailer } from './mailer';
import { templates } from './templates';

export { createActionTokens } from './action-tokens';
export { createConsoleMailer, createDisabledMailer, createSmtpMailer, type Mailer } from './mailer';

/** Password reset, email verification and email change: the flows that go through a mailbox. */
export interface EmailService {
  /** Always resolves the same way, whether or not the address belongs to an account. */
  forgotPassword(email: string, ctx: ClientContext): Promise<void>;
  resetPassword(token: string, password: string, ctx: ClientContext): Promise<void>;
  verifyEmail(token: string, ctx: ClientContext): Promise<void>;
  /** A new verification mail for a signed-in user; 409 when already verified. */
  sendVerification(userId: string, ctx: ClientContext): Promise<void>;
  /** After sign-up: the first verification mail, in the background (a failure is logged). */
  welcome(user: { _id: Types.ObjectId; username: string; email: string }, ctx: ClientContext): void;
  requestEmailChange(userId: string, input: { email: string; currentPassword: string }, ctx: ClientContext): Promise<void>;
  confirmEmailChange(token: string, ctx: ClientContext): Promise<void>;
  /** An admin sends a user a reset mail. */
  sendPasswordReset(actorId: string, userId: string, ctx: ClientContext): Promise<void>;
}

export interface EmailServiceDeps {
  config: Config['email'];
  mailer: Mailer;
  tokens: ActionTokens;
  throttle: MailThrottle;
  passwords: PasswordService;
  policy: PasswordPolicy;
  sessions: SessionService;
  userState: UserStateService;
  checkCurrentPassword: CurrentPasswordCheck;
  events: SecurityEvents;
  connection: Connection;
  logger: Logger;
}

type MailUser = { _id: Types.ObjectId; username: string; email: string; emailKey: string; disabled?: boolean | null; emailVerified?: boolean | null };
const MAIL_FIELDS = { username: 1, email: 1, emailKey: 1, disabled: 1, emailVerified: 1 } as const;

export function createEmailService(deps: EmailServiceDeps): EmailService {
  const { config, mailer, tokens, throttle, passwords, policy, sessions, userState, checkCurrentPassword, events, connection, logger } = deps;
  const link = (page: string, token: string) => `${config.appUrl}/${page}#token=${token}`;

  async function mailReset(user: MailUser): Promise<void> {
    const { token } = await tokens.issue({ user: user._id, purpose: 'reset_password', email: user.emailKey, ttlSeconds: config.resetTtlSeconds });
    await mailer.send(templates.passwordReset(user.email, user.username, link('reset-password', token), config.resetTtlSeconds));
  }

  async function mailVerification(user: MailUser): Promise<void> {
    const { token } = await tokens.issue({ user: user._id, purpose: 'verify_email', email: user.emailKey, ttlSeconds: config.verifyTtlSeconds });
    await mailer.send(templates.verifyEmail(user.email, user.username, link('verify-email', token), config.verifyTtlSeconds));
  }

  return {
    async forgotPassword(email, ctx) {
      await throttle.take(email, ctx.ip);
      const user = await User.findOne({ emailKey: normalizeKey(email) }, MAIL_FIELDS).lean<MailUser>();
      if (!user || user.disabled) return;
      await mailReset(user);
      events.record('password_reset_requested', { userId: user._id.toString(), ...ctx });
    },

    async resetPassword(token, password, ctx) {
      // Checked before the token is used up, so that a password the policy refuses does not
      // cost the user their link.
      const found = await tokens.peek(token, 'reset_password');
      const user = await User.findById(found.user, { username: 1, email: 1, emailKey: 1 }).lean();
      // Bound to the address it was sent to: after an email change, old links are void.
      if (!user || user.emailKey !== found.email) throw invalidToken();
      policy.check(password, user);
      const hash = await passwords.hash(password, ctx.ip);
      const revoked = await atomically(connection, async (session) => {
        await tokens.consume(token, 'reset_password', session);
        const updated = await User.updateOne(
          { _id: user._id, emailKey: found.email },
          { $set: { password: hash, passwordChangedAt: new Date(), emailVerified: true }, $inc: { tokenVersion: 1 } },
          { session },
        );
        if (updated.matchedCount === 0) throw invalidToken();
        return sessions.revokeAll(user._id.toString(), 'password_reset', undefined, session);
      });
      userState.invalidate(user._id.toString());
      events.record('password_reset', { userId: user._id.toString(), ...ctx, detail: { revokedSessions: revoked } });
    },

    async verifyEmail(token, ctx) {
      const userId = await atomically(connection, async (session) => {
        const found = await tokens.consume(token, 'verify_email', session);
        const updated = await User.updateOne({ _id: found.user, emailKey: found.email }, { $set: { emailVerified: true } }, { session });
        if (updated.matchedCount === 0) throw invalidToken();
        return found.user.toString();
      });
      events.record('email_verified', { userId, ...ctx });
    },

    async sendVerification(userId, ctx) {
      const user = await User.findById(userId, MAIL_FIELDS).lean<MailUser>();
      if (!user) throw userNotFound();
      if (user.emailVerified) throw new AppError(409, 'EMAIL_ALREADY_VERIFIED', 'Your email address is already verified.');
      await throttle.take(user.email, ctx.ip);
      await mailVerification(user);
    },

    welcome(created, ctx) {
      if (config.verification === 'off') return;
      const user = { ...created, emailKey: normalizeKey(created.email) };
      const userId = created._id;
      void (async () => {
        // Someone signing up with another person's address cannot flood that mailbox either.
        await throttle.take(user.email, ctx.ip);
        await mailVerification(user);
      })().catch((err: unknown) => {
        if (isThrottled(err)) logger.warn({ userId: userId.toString() }, 'verification mail after sign-up not sent: mail limit reached');
        else logger.error({ userId: userId.toString(), err: err instanceof Error ? err.message : String(err) }, 'verification mail after sign-up not sent');
      });
    },

    async requestEmailChange(userId, { email, currentPassword }, ctx) {
      const user = await User.findById(userId, { ...MAIL_FIELDS, password: 1 }).lean<MailUser & { password: string }>();
      if (!user) throw userNotFound();
      await checkCurrentPassword(user, currentPassword, ctx);
      const newKey = normalizeKey(email);
      if (newKey === user.emailKey) throw new AppError(400, 'EMAIL_UNCHANGED', 'That is already your email address.');
      if (await User.exists({ emailKey: newKey })) throw new AppError(400, 'EMAIL_TAKEN', Messages.emailTaken);
      await throttle.take(email, ctx.ip);
      const { token } = await tokens.issue({
        user: user._id,
        purpose: 'change_email',
        email: user.emailKey,
        newEmail: email,
        ttlSeconds: config.verifyTtlSeconds,
      });
      await mailer.send(templates.confirmEmailChange(email, user.username, link('confirm-email', token), config.verifyTtlSeconds));
      events.record('email_change_requested', { userId, ...ctx });
    },

    async confirmEmailChange(token, ctx) {
      const changed = await atomically(connection, async (session) => {
        const found = await tokens.consume(token, 'change_email', session);
        if (found.newEmail === undefined) throw invalidToken();
        const before = await User.findOneAndUpdate(
          { _id: found.user, emailKey: found.email },
          { $set: { email: found.newEmail, emailKey: normalizeKey(found.newEmail), emailVerified: true } },
          { session, projection: MAIL_FIELDS },
        ).lean<MailUser>();
        if (!before) throw invalidToken();
        return { before, newEmail: found.newEmail };
      }).catch((err: unknown) => {
        // The unique index decides a race for the address.
        if (isDuplicateKeyError(err)) throw new AppError(400, 'EMAIL_TAKEN', Messages.emailTaken);
        throw err;
      });
      const userId = changed.before._id.toString();
      events.record('email_changed', { userId, ...ctx });
      // The old address hears of it; the change stands even if this mail fails.
      await mailer
        .send(templates.emailChangedNotice(changed.before.email, changed.before.username, changed.newEmail))
        .catch(() => logger.warn({ userId }, 'notice of an email change to the old address not sent'));
    },

    async sendPasswordReset(actorId, userId, ctx) {
      const user = await User.findById(userId, MAIL_FIELDS).lean<MailUser>();
      if (!user) throw userNotFound();
      await throttle.take(user.email, ctx.ip);
      await mailReset(user);
      events.record('password_reset_requested', { userId, actorId, ...ctx });
    },
  };
}
