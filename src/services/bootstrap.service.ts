import type { Config } from '../config/config';
import { ROLE_NAMES } from '../config/roles';
import type { Logger } from '../config/logger';
import { User, normalizeKey } from '../models/user.model';
import { AppError } from '../utils/app-error';
import type { PasswordPolicy, PasswordService } from './password';
import type { RoleService } from './role.service';
import type { SecurityEvents } from './security-events';
import type { UserService } from './user.service';

/**
 * Start-up data: the three roles and, when ADMIN_* is configured, the first admin (the
 * only way to get one, since sign-up never grants admin by itself).
 *
 * ADMIN_* is also the way back when no active admin is left (the API refuses to remove the
 * last one, but a database can still be edited by hand): if the configured account exists
 * and its password is ADMIN_PASSWORD, it gets every role back and is enabled. The password
 * must match, so that whoever registered that username first does not become admin.
 */
export async function bootstrapData(
  deps: {
    roles: RoleService;
    users: UserService;
    passwords: PasswordService;
    policy: PasswordPolicy;
    events: SecurityEvents;
    logger: Logger;
  },
  initialAdmin: Config['initialAdmin'],
): Promise<void> {
  const { roles, users, passwords, policy, events, logger } = deps;
  await roles.seed();
  const roleIds = await roles.resolve(ROLE_NAMES);
  const adminRole = roleIds[ROLE_NAMES.indexOf('admin')]!;
  const anActiveAdmin = () => User.exists({ roles: adminRole, disabled: { $ne: true } });

  if (!initialAdmin) {
    if (!(await anActiveAdmin())) {
      logger.warn('there is no active admin: set ADMIN_USERNAME, ADMIN_EMAIL and ADMIN_PASSWORD to create or restore one');
    }
    return;
  }
  const { username } = initialAdmin;

  try {
    policy.check(initialAdmin.password, initialAdmin, 'ADMIN_PASSWORD');
    // create() checks the name before hashing and the unique index decides any race with
    // another instance starting at the same moment.
    const { id } = await users.create({ ...initialAdmin, roleIds, emailVerified: true });
    logger.info({ username }, 'initial admin created');
    events.record('admin_created', { userId: id, username });
    return;
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'USERNAME_TAKEN')) {
      if (err instanceof AppError && err.status === 400) {
        logger.warn({ username, reason: err.message }, 'initial admin not created');
        return;
      }
      throw err;
    }
  }

  if (await anActiveAdmin()) {
    logger.info({ username }, 'initial admin already exists; left unchanged');
    return;
  }
  const existing = await User.findOne({ usernameKey: normalizeKey(username) }, { password: 1 }).lean();
  if (!existing || !(await passwords.verify(initialAdmin.password, existing.password))) {
    logger.error(
      { username },
      'there is no active admin, and the ADMIN_USERNAME account exists with another password: ' +
        'set ADMIN_USERNAME to a name not in use to create a new admin',
    );
    return;
  }
  await User.updateOne({ _id: existing._id }, { $addToSet: { roles: { $each: roleIds } }, $set: { disabled: false } });
  events.record('admin_restored', { userId: existing._id.toString(), username });
}
