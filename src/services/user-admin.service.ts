import { Types, type ClientSession, type Connection } from 'mongoose';
import { atomically } from '../db/transaction';
import { User } from '../models/user.model';
import { AppError } from '../utils/app-error';
import type { ListUsersQuery } from '../validations/user.validation';
import type { PasskeyService } from './mfa';
import type { RoleService } from './role.service';
import type { SecurityEvents } from './security-events';
import type { ClientContext, SessionPage, SessionService } from './session.service';
import { userNotFound, type UserPage, type UserService, type UserView } from './user.service';
import type { UserStateService } from './user-state.service';

/**
 * Admin actions on users. Each one drops this instance's cached user state, so it applies
 * here at once; other instances see it within the cache's half second. Ids arrive in their
 * canonical form (lower-case hex, see the validation schemas) and are compared as ObjectIds.
 */
export interface UserAdminService {
  list(query: ListUsersQuery): Promise<UserPage>;
  get(userId: string): Promise<UserView>;
  setRoles(actorId: string, userId: string, roleNames: readonly string[], ctx: ClientContext): Promise<UserView>;
  setDisabled(actorId: string, userId: string, disabled: boolean, ctx: ClientContext): Promise<UserView>;
  remove(actorId: string, userId: string, ctx: ClientContext): Promise<void>;
  /**
   * Removes the user's authenticator app, recovery codes and passkeys (a user who lost them
   * signs in with the password again). Not on one's own account: that goes through the
   * account's own endpoints, which ask for the password and a code.
   */
  resetFactors(actorId: string, userId: string, ctx: ClientContext): Promise<{ passkeysRemoved: number; totpRemoved: boolean }>;
  /** The user's active sessions, most recently used first; 404 for no such user. */
  sessions(userId: string, page: { limit: number; cursor?: string | undefined }): Promise<SessionPage>;
  /** Ends one session of the user (404 when it is not theirs), or all of them. */
  revokeSession(actorId: string, userId: string, sessionId: string, ctx: ClientContext): Promise<void>;
  revokeSessions(actorId: string, userId: string, ctx: ClientContext): Promise<number>;
}

// Admins may not lock themselves out, and nobody may remove the last active admin: with none
// left, only direct database access could make one again.
const selfLockout = (what: string) =>
  new AppError(409, 'SELF_LOCKOUT', `You cannot ${what} your own account; ask another admin.`);
const lastAdmin = () =>
  new AppError(409, 'LAST_ADMIN', 'This would leave no active admin; make another user admin first.');

const GUARD_COLLECTION = 'guards';
const ADMINS_GUARD = 'active-admins';

export function createUserAdminService(deps: {
  users: UserService;
  roles: RoleService;
  sessions: SessionService;
  passkeys: PasskeyService;
  userState: UserStateService;
  events: SecurityEvents;
  connection: Connection;
}): UserAdminService {
  const { users, roles, sessions, passkeys, userState, events, connection } = deps;
  const guards = () => connection.collection<{ _id: string; writes: number }>(GUARD_COLLECTION);
  let guardReady: Promise<unknown> | undefined;

  const adminRoleId = async () => {
    const id = (await roles.findByNames(['admin'])).get('admin');
    if (!id) throw new Error('the admin role is missing (roles are seeded at start-up)');
    return id;
  };
  const activeAdmin = async (filter: Record<string, unknown>, session: ClientSession | undefined) =>
    User.exists({ roles: await adminRoleId(), disabled: { $ne: true }, ...filter }).session(session ?? null);

  /**
   * Runs a change that may take an admin away, and keeps it only if an active admin is left.
   *
   * Two such changes at once (two admins demoting each other) would each see the other
   * still active in its own snapshot and both commit: a write skew that no single-document
   * condition prevents. So each transaction first writes one shared guard document; of two
   * concurrent ones the second meets a write conflict, is retried once the first has
   * committed, and then sees its result. Without transactions (a standalone mongod, for
   * development only) the check runs before the change and a race is not excluded.
   */
  function keepingAnAdmin<T>(targetId: Types.ObjectId, change: (session: ClientSession | undefined) => Promise<T>): Promise<T> {
    // Made outside any transaction: two transactions inserting it at once would not conflict
    // the way two updates of it do. A failed attempt is not remembered.
    guardReady ??= guards()
      .updateOne({ _id: ADMINS_GUARD }, { $setOnInsert: { writes: 0 } }, { upsert: true })
      .catch((err: unknown) => {
        guardReady = undefined;
        throw err;
      });
    return guardReady.then(() =>
      atomically(connection, async (session) => {
        if (!session) {
          if (!(await activeAdmin({ _id: { $ne: targetId } }, undefined))) {
            if (await activeAdmin({ _id: targetId }, undefined)) throw lastAdmin();
          }
          return change(undefined);
        }
        await guards().updateOne({ _id: ADMINS_GUARD }, { $inc: { writes: 1 } }, { session });
        const result = await change(session);
        if (!(await activeAdmin({}, session))) throw lastAdmin();
        return result;
      }),
    );
  }

  return {
    list: (query) => users.list(query),
    get: (userId) => users.get(userId),

    async setRoles(actorId, userId, roleNames, ctx) {
      const target = new Types.ObjectId(userId);
      const requested = [...new Set(roleNames)];
      const roleIds = await roles.resolve(requested);
      const keepsAdmin = requested.includes('admin');
      if (target.equals(actorId) && !keepsAdmin) throw selfLockout('remove the admin role from');

      const apply = (session?: ClientSession) => users.setRoles(userId, roleIds, session);
      const found = keepsAdmin ? await apply() : await keepingAnAdmin(target, apply);
      if (!found) throw userNotFound();
      userState.invalidate(userId);
      const view = await users.get(userId);
      events.record('roles_changed', { userId, username: view.username, actorId, ...ctx, detail: { roles: requested } });
      return view;
    },

    async setDisabled(actorId, userId, disabled, ctx) {
      const target = new Types.ObjectId(userId);
      if (disabled && target.equals(actorId)) throw selfLockout('disable');
      // The flag and the revoked sessions go together, or neither does.
      const apply = async (session: ClientSession | undefined) => {
        if (!(await users.setDisabled(userId, disabled, session))) return false;
        if (disabled) await sessions.revokeAll(userId, 'disabled', undefined, session);
        return true;
      };
      const found = disabled ? await keepingAnAdmin(target, apply) : await atomically(connection, apply);
      if (!found) throw userNotFound();
      userState.invalidate(userId);
      const view = await users.get(userId);
      events.record(disabled ? 'user_disabled' : 'user_enabled', { userId, username: view.username, actorId, ...ctx });
      return view;
    },

    async remove(actorId, userId, ctx) {
      const target = new Types.ObjectId(userId);
      if (target.equals(actorId)) throw selfLockout('delete');
      const found = await keepingAnAdmin(target, async (session) => {
        if (!(await users.remove(userId, session))) return false;
        // One after the other: a transaction runs one operation at a time.
        await sessions.deleteAllOf(userId, session);
        await passkeys.removeAllOf(target, session);
        return true;
      });
      if (!found) throw userNotFound();
      userState.invalidate(userId);
      events.record('user_deleted', { userId, actorId, ...ctx });
    },

    async sessions(userId, page) {
      if (!(await User.exists({ _id: userId }))) throw userNotFound();
      return sessions.list(userId, undefined, page);
    },

    async revokeSession(actorId, userId, sessionId, ctx) {
      await sessions.revoke(userId, sessionId);
      events.record('session_revoked', { userId, actorId, ...ctx, detail: { revokedSession: sessionId } });
    },

    async revokeSessions(actorId, userId, ctx) {
      if (!(await User.exists({ _id: userId }))) throw userNotFound();
      const revoked = await sessions.revokeAll(userId, 'revoked_by_admin');
      events.record('session_revoked', { userId, actorId, ...ctx, detail: { revokedSessions: revoked } });
      return revoked;
    },

    async resetFactors(actorId, userId, ctx) {
      const target = new Types.ObjectId(userId);
      if (target.equals(actorId)) {
        throw new AppError(409, 'SELF_RESET', 'Use your own account settings (they ask for your password and a code) to change your factors.');
      }
      const result = await atomically(connection, async (session) => {
        const before = await User.findOneAndUpdate(
          { _id: target },
          { $unset: { totp: 1, totpPending: 1, recoveryCodes: 1 } },
          { session, projection: { totp: 1 }, returnDocument: 'before' },
        ).lean();
        if (!before) return undefined;
        return { totpRemoved: Boolean(before.totp), passkeysRemoved: await passkeys.removeAllOf(target, session) };
      });
      if (!result) throw userNotFound();
      events.record('mfa_reset', { userId, actorId, ...ctx, detail: result });
      return result;
    },
  };
}
