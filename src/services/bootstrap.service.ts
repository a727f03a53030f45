import type { Config } from '../config/config';
import { ROLE_NAMES } from '../config/roles';
import type { Logger } from '../config/logger';
import { AppError } from '../utils/app-error';
import type { RoleService } from './role.service';
import type { UserService } from './user.service';

/**
 * Start-up data: the three roles and, when ADMIN_* is configured, the first admin (the
 * only way to get one, since sign-up never grants admin by itself).
 */
export async function bootstrapData(
  deps: { roles: RoleService; users: UserService; logger: Logger },
  initialAdmin: Config['initialAdmin'],
): Promise<void> {
  const { roles, users, logger } = deps;
  await roles.seed();
  if (!initialAdmin) return;

  const roleIds = await roles.resolve(ROLE_NAMES);
  try {
    // create() checks the name before hashing and the unique index decides any race with
    // another instance starting at the same moment.
    await users.create({ ...initialAdmin, roleIds });
    logger.info({ username: initialAdmin.username }, 'initial admin created');
  } catch (err) {
    if (err instanceof AppError && err.code === 'USERNAME_TAKEN') {
      logger.info({ username: initialAdmin.username }, 'initial admin already exists; left unchanged');
      return;
    }
    if (err instanceof AppError && err.status === 400) {
      logger.warn({ username: initialAdmin.username, reason: err.message }, 'initial admin not created');
      return;
    }
    throw err;
  }
}
