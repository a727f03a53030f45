import type { Connection } from 'mongoose';
import { atomically } from '../db/transaction';
import { User } from '../models/user.model';
import { AppError } from '../utils/app-error';
import type { ChangePasswordInput } from '../validations/user.validation';
import type { PasswordService } from './password.service';
import type { ClientContext, SessionService, SessionView } from './session.service';
import { failureKey, type FailureThrottle } from './throttle.service';
import { userNotFound, type UserService, type UserView } from './user.service';

/** What a signed-in user can do to their own account. */
export interface AccountService {
  profile(userId: string): Promise<UserView>;
  /** Needs the current password; signs out every other session. Returns how many. */
  changePassword(userId: string, currentSessionId: string | undefined, input: ChangePasswordInput, ctx: ClientContext): Promise<number>;
  sessions(userId: string, currentSessionId: string | undefined): Promise<SessionView[]>;
  revokeSession(userId: string, sessionId: string): Promise<void>;
  revokeOtherSessions(userId: string, currentSessionId: string | undefined): Promise<number>;
}

export function createAccountService(deps: {
  users: UserService;
  passwords: PasswordService;
  sessions: SessionService;
  failures: FailureThrottle;
  connection: Connection;
}): AccountService {
  const { users, passwords, sessions, failures, connection } = deps;

  return {
    profile: (userId) => users.get(userId),

    async changePassword(userId, currentSessionId, { currentPassword, newPassword }, ctx) {
      const user = await User.findById(userId, { username: 1, password: 1 }).lean();
      if (!user) throw userNotFound();
      // A stolen access token must not become a way to guess the password.
      const key = failureKey(user.username, ctx.ip);
      const earlierFailures = await failures.assertAllowed(key);
      if (!(await passwords.verify(currentPassword, user.password))) {
        await failures.recordFailure(key);
        // 403, not 401: the caller is authenticated, and SPA clients treat a 401 as "refresh
        // the access token and retry".
        throw new AppError(403, 'INVALID_PASSWORD', 'Current password is incorrect.');
      }
      if (earlierFailures > 0) await failures.reset(key);
      if (currentPassword === newPassword) {
        throw new AppError(400, 'PASSWORD_UNCHANGED', 'The new password must differ from the current one.');
      }

      const hash = await passwords.hash(newPassword);
      // The new password and the revoked sessions go together, or neither does.
      return atomically(connection, async (session) => {
        // Compare-and-set on the old hash: of two concurrent changes, only one applies.
        const result = await User.updateOne(
          { _id: user._id, password: user.password },
          { $set: { password: hash, passwordChangedAt: new Date() } },
          { session },
        );
        if (result.matchedCount === 0) {
          throw new AppError(409, 'PASSWORD_CHANGED_CONCURRENTLY', 'The password was changed by another request.');
        }
        return sessions.revokeAll(userId, 'password_change', currentSessionId, session);
      });
    },

    sessions: (userId, currentSessionId) => sessions.list(userId, currentSessionId),
    revokeSession: (userId, sessionId) => sessions.revoke(userId, sessionId),
    revokeOtherSessions: (userId, currentSessionId) => sessions.revokeAll(userId, 'revoked_by_user', currentSessionId),
  };
}
