import type { Connection } from 'mongoose';
import { atomically } from '../db/transaction';
import { AppError } from '../utils/app-error';
import type { ListUsersQuery } from '../validations/user.validation';
import type { RoleService } from './role.service';
import type { SessionService } from './session.service';
import { userNotFound, type UserPage, type UserService, type UserView } from './user.service';
import type { UserStateService } from './user-state.service';

/**
 * Admin actions on users. Each one drops this instance's cached user state, so it applies
 * here at once; other instances see it within the cache's half second.
 */
export interface UserAdminService {
  list(query: ListUsersQuery): Promise<UserPage>;
  get(userId: string): Promise<UserView>;
  setRoles(actorId: string, userId: string, roleNames: readonly string[]): Promise<UserView>;
  setDisabled(actorId: string, userId: string, disabled: boolean): Promise<UserView>;
  remove(actorId: string, userId: string): Promise<void>;
}

// Admins may not lock themselves out: the last admin could otherwise leave none.
const selfLockout = (what: string) =>
  new AppError(409, 'SELF_LOCKOUT', `You cannot ${what} your own account; ask another admin.`);

export function createUserAdminService(deps: {
  users: UserService;
  roles: RoleService;
  sessions: SessionService;
  userState: UserStateService;
  connection: Connection;
}): UserAdminService {
  const { users, roles, sessions, userState, connection } = deps;

  return {
    list: (query) => users.list(query),
    get: (userId) => users.get(userId),

    async setRoles(actorId, userId, roleNames) {
      const requested = [...new Set(roleNames)];
      const roleIds = await roles.resolve(requested);
      if (actorId === userId && !requested.includes('admin')) throw selfLockout('remove the admin role from');

      if (!(await users.setRoles(userId, roleIds))) throw userNotFound();
      userState.invalidate(userId);
      return users.get(userId);
    },

    async setDisabled(actorId, userId, disabled) {
      if (disabled && actorId === userId) throw selfLockout('disable');
      // The flag and the revoked sessions go together, or neither does.
      const found = await atomically(connection, async (session) => {
        if (!(await users.setDisabled(userId, disabled, session))) return false;
        if (disabled) await sessions.revokeAll(userId, 'disabled', undefined, session);
        return true;
      });
      if (!found) throw userNotFound();
      userState.invalidate(userId);
      return users.get(userId);
    },

    async remove(actorId, userId) {
      if (actorId === userId) throw selfLockout('delete');
      const found = await atomically(connection, async (session) => {
        if (!(await users.remove(userId, session))) return false;
        await sessions.deleteAllOf(userId, session);
        return true;
      });
      if (!found) throw userNotFound();
      userState.invalidate(userId);
    },
  };
}
