import type { Connection } from 'mongoose';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { Clock } from '../utils/clock';
import { createAccountService } from './account.service';
import { createAuthService } from './auth.service';
import { createHealthService } from './health.service';
import { createPasswordService } from './password.service';
import { createRoleService } from './role.service';
import { createSessionService } from './session.service';
import { createFailureThrottle, createLocalRequestThrottle, createSharedRequestThrottle } from './throttle.service';
import { createTokenService } from './token.service';
import { createUserAdminService } from './user-admin.service';
import { createUserService } from './user.service';
import { createUserStateService } from './user-state.service';

export interface ServiceDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  /** The Mongoose connection the models use; the rate limiters keep their counts there too. */
  connection: Connection;
}

/** Wires the services from the configuration; the one place that knows their dependencies. */
export function createServices({ config, clock, logger, connection }: ServiceDeps) {
  const passwords = createPasswordService(config.bcryptRounds, config.bcryptThreads);
  const tokens = createTokenService({
    secret: config.jwt.secret,
    accessTtlSeconds: config.jwt.accessTtlSeconds,
    clock,
  });
  const throttleOptions = {
    connection,
    maxFailures: config.throttle.signinMaxFailures,
    windowSeconds: config.throttle.windowSeconds,
    maxRequestsPerIp: config.throttle.maxRequestsPerIp,
  };
  const failures = createFailureThrottle(throttleOptions);
  const credentialRequestThrottle = createSharedRequestThrottle(throttleOptions);
  const tokenRequestThrottle = createLocalRequestThrottle(throttleOptions);
  const roles = createRoleService();
  const users = createUserService(passwords);
  const userState = createUserStateService(clock);
  const sessions = createSessionService({
    tokens,
    userState,
    refreshTtlSeconds: config.refreshToken.ttlSeconds,
    clock,
    logger,
  });
  const auth = createAuthService({ users, roles, passwords, tokens, sessions, userState, failures });
  const account = createAccountService({ users, passwords, sessions, failures, connection });
  const userAdmin = createUserAdminService({ users, roles, sessions, userState, connection });
  const health = createHealthService(connection);
  return { passwords, tokens, roles, users, userState, sessions, auth, account, userAdmin, credentialRequestThrottle, tokenRequestThrottle, health };
}

export type Services = ReturnType<typeof createServices>;
