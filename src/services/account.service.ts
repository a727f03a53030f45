import type { Connection } from 'mongoose';
import { atomically } from '../db/transaction';
import { User } from '../models/user.model';
import { AppError } from '../utils/app-error';
import type { ChangePasswordInput } from '../validations/user.validation';
import type { PasswordPolicy, PasswordService } from './password';
import type { CurrentPasswordCheck } from './current-password';
import type { SecurityEvents } from './security-events';
import type { ClientContext, SessionPage, SessionService } from './session.service';
import type { TokenService } from './token.service';
import { userNotFound, type UserService, type UserView } from './user.service';
import type { UserStateService } from './user-state.service';

/** After a password change: how many sessions ended, and the one new session of the caller. */
export interface PasswordChanged {
  revokedSessions: number;
  accessToken: string;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

/** What a signed-in user can do to their own account. */
export interface AccountService {
  profile(userId: string): Promise<UserView>;
  /**
   * Needs the current password. Ends every session of the user, the caller's included (a
   * thief holding its refresh token is out too), refuses access tokens issued before, and
   * starts one new session for the caller.
   */
  changePassword(userId: string, input: Omit<ChangePasswordInput, 'refreshTokenTransport'>, ctx: ClientContext): Promise<PasswordChanged>;
  sessions(userId: string, currentSessionId: string | undefined, page: { limit: number; cursor?: string | undefined }): Promise<SessionPage>;
  revokeSession(userId: string, sessionId: string, ctx: ClientContext): Promise<void>;
  revokeOtherSessions(userId: string, currentSessionId: string | undefined, ctx: ClientContext): Promise<number>;
}

export function createAccountService(deps: {
  users: UserService;
  passwords: PasswordService;
  policy: PasswordPolicy;
  sessions: SessionService;
  tokens: TokenService;
  userState: UserStateService;
  checkCurrentPassword: CurrentPasswordCheck;
  events: SecurityEvents;
  connection: Connection;
}): AccountService {
  const { users, passwords, policy, sessions, tokens, userState, checkCurrentPassword, events, connection } = deps;

  return {
    profile: (userId) => users.get(userId),

    async changePassword(userId, { currentPassword, newPassword }, ctx) {
      const user = await User.findById(userId, { username: 1, email: 1, password: 1 }).lean();
      if (!user) throw userNotFound();
      await checkCurrentPassword(user, currentPassword, ctx);
      if (currentPassword === newPassword) {
        throw new AppError(400, 'PASSWORD_UNCHANGED', 'The new password must differ from the current one.');
      }
      policy.check(newPassword, user, 'newPassword');

      const hash = await passwords.hash(newPassword, ctx.ip);
      // The new password, the end of every session and the caller's new one go together, or
      // none does.
      const changed = await atomically(connection, async (session) => {
        // Compare-and-set on the old hash: of two concurrent changes, only one applies.
        const updated = await User.findOneAndUpdate(
          { _id: user._id, password: user.password },
          { $set: { password: hash, passwordChangedAt: new Date() }, $inc: { tokenVersion: 1 } },
          { session, projection: { tokenVersion: 1 }, returnDocument: 'after' },
        ).lean();
        if (!updated) {
          throw new AppError(409, 'PASSWORD_CHANGED_CONCURRENTLY', 'The password was changed by another request.');
        }
        const revokedSessions = await sessions.revokeAll(userId, 'password_change', undefined, session);
        const fresh = await sessions.start(user._id, ctx, { session });
        return { revokedSessions, fresh, tokenVersion: updated.tokenVersion ?? 0 };
      });
      // Here at once; other instances within the user-state cache's half second.
      userState.invalidate(userId);
      events.record('password_changed', {
        userId,
        sessionId: changed.fresh.sessionId,
        ...ctx,
        detail: { revokedSessions: changed.revokedSessions },
      });
      return {
        revokedSessions: changed.revokedSessions,
        accessToken: tokens.signAccessToken(userId, changed.fresh.sessionId, changed.tokenVersion),
        refreshToken: changed.fresh.refreshToken,
        refreshTokenExpiresAt: changed.fresh.expiresAt,
      };
    },

    sessions: (userId, currentSessionId, page) => sessions.list(userId, currentSessionId, page),
    async revokeSession(userId, sessionId, ctx) {
      await sessions.revoke(userId, sessionId);
      events.record('session_revoked', { userId, ...ctx, detail: { revokedSession: sessionId } });
    },

    async revokeOtherSessions(userId, currentSessionId, ctx) {
      const revoked = await sessions.revokeAll(userId, 'revoked_by_user', currentSessionId);
      events.record('session_revoked', { userId, ...ctx, detail: { revokedSessions: revoked } });
      return revoked;
    },
  };
}
