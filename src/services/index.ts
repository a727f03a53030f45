import type { Connection } from 'mongoose';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { Clock } from '../utils/clock';
import { createAccountService } from './account.service';
import { createAuthService } from './auth.service';
import { createHealthService } from './health.service';
import { createPasswordPolicy, createPasswordService } from './password';
import { createRoleService } from './role.service';
import { createSecurityEvents } from './security-events';
import { createSessionService } from './session.service';
import { createLocalRequestThrottle, createPasswordAttempts, createSharedRequestThrottle } from './throttle';
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
  const passwords = createPasswordService({
    rounds: config.bcryptRounds,
    threads: config.bcryptThreads,
    queueLimit: config.hashQueue.limit,
    queuePerClient: config.hashQueue.perClient,
  });
  const policy = createPasswordPolicy(config.passwordMinLength);
  const events = createSecurityEvents(logger);
  const tokens = createTokenService({
    secret: config.jwt.secret,
    accessTtlSeconds: config.jwt.accessTtlSeconds,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    clock,
  });
  const throttleOptions = { connection, clock, ...config.throttle, maxFailures: config.throttle.signinMaxFailures };
  const attempts = createPasswordAttempts(throttleOptions);
  const credentialRequestThrottle = createSharedRequestThrottle(throttleOptions);
  const tokenRequestThrottle = createLocalRequestThrottle(throttleOptions);
  const ipv6PrefixLength = config.throttle.ipv6PrefixLength;
  const roles = createRoleService();
  const users = createUserService(passwords);
  const userState = createUserStateService(clock);
  const sessions = createSessionService({
    tokens,
    userState,
    refreshTtlSeconds: config.refreshToken.ttlSeconds,
    maxSessionsPerUser: config.maxSessionsPerUser,
    clock,
    events,
  });
  const auth = createAuthService({ users, roles, passwords, policy, tokens, sessions, userState, attempts, events, ipv6PrefixLength });
  const account = createAccountService({
    users,
    passwords,
    policy,
    sessions,
    tokens,
    userState,
    attempts,
    events,
    connection,
    ipv6PrefixLength,
  });
  const userAdmin = createUserAdminService({ users, roles, sessions, userState, events, connection });
  const health = createHealthService(connection, clock);
  return {
    passwords,
    policy,
    events,
    tokens,
    roles,
    users,
    userState,
    sessions,
    auth,
    account,
    userAdmin,
    credentialRequestThrottle,
    tokenRequestThrottle,
    health,
  };
}

export type Services = ReturnType<typeof createServices>;
