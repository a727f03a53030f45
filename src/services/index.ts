import type { Config } from '../config/config';
import type { Clock } from '../utils/clock';
import { createAuthService } from './auth.service';
import { createPasswordService } from './password.service';
import { createRoleService } from './role.service';
import { createTokenService } from './token.service';
import { createUserService } from './user.service';

/** Wires the services from the configuration; the one place that knows their dependencies. */
export function createServices(config: Config, clock: Clock) {
  const passwords = createPasswordService(config.bcryptRounds);
  const tokens = createTokenService({
    secret: config.jwt.secret,
    accessTtlSeconds: config.jwt.accessTtlSeconds,
    clock,
  });
  const roles = createRoleService();
  const users = createUserService(passwords);
  const auth = createAuthService({
    users,
    roles,
    passwords,
    tokens,
    refreshTtlSeconds: config.refreshToken.ttlSeconds,
    clock,
  });
  return { passwords, tokens, roles, users, auth };
}

export type Services = ReturnType<typeof createServices>;
