import type { Connection } from 'mongoose';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { Clock } from '../utils/clock';
import { createAccountService } from './account.service';
import { createAuditService, createAuditWriter } from './audit';
import { createAuthService } from './auth.service';
import { createCurrentPasswordCheck } from './current-password';
import { createActionTokens, createConsoleMailer, createDisabledMailer, createEmailService, createSmtpMailer, type Mailer } from './email';
import { createHealthService } from './health.service';
import { createOneTimeTokens, createPasskeyService, createSecretBox, createTotpService, DEVELOPMENT_KEY, type SecretBox } from './mfa';
import { createPasswordPolicy, createPasswordService } from './password';
import { createRoleService } from './role.service';
import { createSecurityEvents } from './security-events';
import { createSessionService } from './session.service';
import { createCodeAttempts, createLocalRequestThrottle, createMailThrottle, createPasswordAttempts, createSharedRequestThrottle } from './throttle';
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
  /** Where mails go; built from the configuration when omitted. */
  mailer?: Mailer;
}

/**
 * SMTP when configured. Without SMTP_URL: printed to stdout in development (so `npm start`
 * alone shows every flow), dropped in tests that bring no SMTP server, refused (503) in
 * production.
 */
export function createMailer(config: Config, logger: Logger): Mailer {
  const { smtpUrl, from, smtpTimeoutMs } = config.email;
  if (smtpUrl !== undefined) return createSmtpMailer({ url: smtpUrl, from, timeoutMs: smtpTimeoutMs, logger });
  if (config.env === 'production') return createDisabledMailer();
  return createConsoleMailer(config.env === 'test' ? () => undefined : (text) => process.stdout.write(text));
}

/**
 * The box for TOTP secrets: DATA_ENCRYPTION_KEY (and the previous key, for reading); outside
 * production without one, the development key; in production without one, none (no factor
 * can be enrolled, see createTotpService).
 */
export function createDataBox(config: Config): SecretBox | undefined {
  const { encryptionKey, previousEncryptionKey } = config.mfa;
  const previous = previousEncryptionKey === undefined ? [] : [Buffer.from(previousEncryptionKey, 'base64')];
  if (encryptionKey !== undefined) return createSecretBox(Buffer.from(encryptionKey, 'base64'), previous);
  return config.env === 'production' ? undefined : createSecretBox(DEVELOPMENT_KEY, previous);
}

/** Wires the services from the configuration; the one place that knows their dependencies. */
export function createServices({ config, clock, logger, connection, mailer = createMailer(config, logger) }: ServiceDeps) {
  const passwords = createPasswordService({
    rounds: config.bcryptRounds,
    threads: config.bcryptThreads,
    queueLimit: config.hashQueue.limit,
    queuePerClient: config.hashQueue.perClient,
    ipv6PrefixLength: config.throttle.ipv6PrefixLength,
  });
  const policy = createPasswordPolicy(config.passwordMinLength);
  const auditWriter = createAuditWriter({ logger, retentionDays: config.audit.retentionDays });
  const events = createSecurityEvents(logger, config.audit.enabled ? { writer: auditWriter, clock } : undefined);
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
  const checkCurrentPassword = createCurrentPasswordCheck({ attempts, passwords, events });
  const oneTimeTokens = createOneTimeTokens(config.jwt.secret, clock);
  const totp = createTotpService({
    box: createDataBox(config),
    issuer: config.mfa.issuer,
    checkCurrentPassword,
    attempts: createCodeAttempts({ ...throttleOptions, maxPerToken: config.mfa.maxAttempts, tokenTtlSeconds: config.mfa.tokenTtlSeconds }),
    events,
    clock,
  });
  const passkeys = createPasskeyService({
    tokens: oneTimeTokens,
    ...config.webauthn,
    maxPerUser: config.webauthn.maxPasskeysPerUser,
    checkCurrentPassword,
    events,
    clock,
    connection,
  });
  const roles = createRoleService();
  const users = createUserService(passwords, roles);
  const userState = createUserStateService(clock);
  const sessions = createSessionService({
    tokens,
    userState,
    refreshTtlSeconds: config.refreshToken.ttlSeconds,
    maxSessionsPerUser: config.maxSessionsPerUser,
    clock,
    events,
  });
  const email = createEmailService({
    config: config.email,
    mailer,
    tokens: createActionTokens(clock),
    throttle: createMailThrottle({ connection, clock, ipv6PrefixLength: config.throttle.ipv6PrefixLength, ...config.email }),
    passwords,
    policy,
    sessions,
    userState,
    checkCurrentPassword,
    events,
    connection,
    logger,
  });
  const auth = createAuthService({
    users,
    roles,
    passwords,
    policy,
    tokens,
    sessions,
    userState,
    attempts,
    events,
    email,
    emailVerification: config.email.verification,
    oneTimeTokens,
    totp,
    passkeys,
    mfaTokenTtlSeconds: config.mfa.tokenTtlSeconds,
    clock,
  });
  const account = createAccountService({
    users,
    passwords,
    policy,
    sessions,
    tokens,
    userState,
    checkCurrentPassword,
    events,
    connection,
  });
  const userAdmin = createUserAdminService({ users, roles, sessions, passkeys, userState, events, connection });
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
    email,
    account,
    userAdmin,
    totp,
    passkeys,
    audit: createAuditService(clock),
    auditWriter,
    credentialRequestThrottle,
    tokenRequestThrottle,
    health,
  };
}

export type Services = ReturnType<typeof createServices>;
