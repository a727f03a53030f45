import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import dotenv from 'dotenv';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { PASSWORD_MIN_LENGTH, emailSchema, passwordSchema, usernameSchema } from '../validations/fields';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const MIN_SECRET_LENGTH = 32;
/**
 * Shannon entropy of the secret's own characters times its length, in bits: a floor, not a
 * proof. Random secrets score well above it: in 300,000 draws of 16 random bytes as 32 hex
 * digits (the weakest form a generator gives), the lowest score was 91.5.
 */
const MIN_SECRET_ENTROPY_BITS = 85;

/**
 * A crude strength estimate for a configured secret: each character is worth the entropy of
 * the secret's character distribution. 32 random base64 characters score about 150 bits, 32
 * random hex digits about 115; `aaaa…` scores 0, `secretsecret…` about 70. A secret made of
 * one short piece repeated is refused whatever it scores (isRepetition). It cannot tell a random string from a long
 * sentence, but it stops the placeholder values that get copied from examples.
 */
export function estimatedEntropyBits(secret: string): number {
  const chars = [...secret];
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / chars.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * chars.length;
}

/** `changemechangeme…`: the whole secret is one short piece repeated. */
export function isRepetition(secret: string): boolean {
  const chars = [...secret];
  for (let period = 1; period <= chars.length / 2; period += 1) {
    if (chars.every((c, i) => i < period || c === chars[i - period])) return true;
  }
  return false;
}

/** An environment variable set to "" means "not set", as in most shells' `VAR= cmd`. */
const unsetIfEmpty = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const optional = <T extends z.ZodType>(schema: T) => z.preprocess(unsetIfEmpty, schema.optional());
const withDefault = <T extends z.ZodType>(schema: T, fallback: z.input<T>) =>
  z.preprocess(unsetIfEmpty, schema.default(fallback as never));

const positiveInt = (max: number) => z.coerce.number().int().positive().max(max);

const originSchema = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}, 'must be an origin such as http://localhost:8081 (scheme, host and optional port, no path)');

/**
 * Express's `trust proxy`: `false` (default: the client IP is the socket's, so no header
 * can forge it), `true`, a hop count, or a comma-separated list of proxy addresses/subnets
 * (`loopback`, `10.0.0.0/8`, ...).
 */
/** What proxy-addr (Express's `trust proxy`) accepts in a list: its names, addresses and subnets. */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isProxyEntry = (entry: string) => PROXY_NAMES.has(entry) || ipaddr.isValid(entry) || isCidr(entry);
function isCidr(entry: string): boolean {
  try {
    ipaddr.parseCIDR(entry);
    return true;
  } catch {
    return false;
  }
}

const trustProxySchema = z
  .string()
  .refine((raw) => {
    const value = raw.trim();
    if (value === 'true' || value === 'false' || /^\d+$/.test(value)) return true;
    const entries = value.split(',').map((part) => part.trim()).filter((part) => part !== '');
    return entries.length > 0 && entries.every(isProxyEntry);
  }, 'must be false, true, a hop count (1), or comma-separated proxy addresses or subnets (loopback, 10.0.0.0/8, 192.168.1.5)')
  .transform(parseTrustProxy);

function parseTrustProxy(raw: string): boolean | number | string[] {
  const value = raw.trim();
  if (value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/**
 * A 256-bit key written as 64 hex digits or as base64/base64url (44 or 43 characters): the
 * forms `openssl rand -hex 32` and `openssl rand -base64 32` print.
 */
const dataKeySchema = z
  .string()
  .trim()
  .refine(
    (value) => decodeDataKey(value) !== undefined,
    'must be 32 random bytes as 64 hex digits or base64 (e.g. the output of `openssl rand -base64 32`)',
  );

export function decodeDataKey(value: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return bytes.length === 32 ? bytes : undefined;
  }
  return undefined;
}

/** The host of an origin is the relying party id or below it (what browsers require of a passkey's origin). */
const originMatchesRpId = (origin: string, rpId: string) => {
  const host = new URL(origin).hostname;
  return host === rpId || host.endsWith(`.${rpId}`);
};

const listOf = (item: z.ZodType<string, string>) =>
  z
    .string()
    .transform((raw) =>
      raw
        .split(',')
        .map((value) => value.trim())
        .filter((value) => value !== ''),
    )
    .pipe(z.array(item));

const envSchema = z
  .object({
    NODE_ENV: withDefault(z.enum(['development', 'production', 'test']), 'development'),
    PORT: withDefault(z.coerce.number().int().min(0).max(65535), 8080),
    MONGODB_URI: optional(
      z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://'),
    ),
    MONGODB_DATA_DIR: withDefault(z.string(), '.data'),
    // mongodb-memory-server's own variable: the mongod the embedded database runs.
    MONGOMS_SYSTEM_BINARY: optional(z.string()),
    MONGODB_MAX_POOL_SIZE: withDefault(positiveInt(10_000), 10),
    JWT_SECRET: optional(z.string()),
    JWT_ACCESS_TTL: withDefault(positiveInt(7 * 24 * 3600), 3600),
    JWT_REFRESH_TTL: withDefault(positiveInt(365 * 24 * 3600), 86400),
    JWT_ISSUER: withDefault(z.string().min(1).max(200), 'auth-api'),
    JWT_AUDIENCE: withDefault(z.string().min(1).max(200), 'auth-api'),
    BCRYPT_ROUNDS: withDefault(z.coerce.number().int().min(4).max(15), 10),
    // Threads that hash passwords; one per core by default.
    BCRYPT_THREADS: withDefault(positiveInt(256), availableParallelism()),
    // Password checks and hashes waiting for a thread, in all and per client address.
    HASH_QUEUE_LIMIT: withDefault(positiveInt(100_000), 64),
    HASH_QUEUE_PER_CLIENT: withDefault(positiveInt(100_000), 4),
    PASSWORD_MIN_LENGTH: withDefault(z.coerce.number().int().min(PASSWORD_MIN_LENGTH).max(64), PASSWORD_MIN_LENGTH),
    CORS_ORIGINS: withDefault(z.string(), 'http://localhost:8081').pipe(listOf(originSchema)),
    ADMIN_USERNAME: optional(usernameSchema),
    ADMIN_EMAIL: optional(emailSchema),
    ADMIN_PASSWORD: optional(passwordSchema),
    LOG_LEVEL: optional(z.enum(LOG_LEVELS)),
    SIGNIN_MAX_FAILURES: withDefault(positiveInt(1_000_000), 10),
    AUTH_RATE_WINDOW_SECONDS: withDefault(positiveInt(7 * 24 * 3600), 900),
    AUTH_MAX_REQUESTS_PER_IP: withDefault(positiveInt(1_000_000_000), 1000),
    ACCOUNT_MAX_FAILURES: withDefault(positiveInt(1_000_000), 100),
    ACCOUNT_RATE_WINDOW_SECONDS: withDefault(positiveInt(7 * 24 * 3600), 3600),
    ACCOUNT_MAX_DELAY_SECONDS: withDefault(positiveInt(24 * 3600), 900),
    IPV6_PREFIX_LENGTH: withDefault(z.coerce.number().int().min(1).max(128), 64),
    MAX_SESSIONS_PER_USER: withDefault(positiveInt(10_000), 100),
    HTTP_REQUEST_TIMEOUT_MS: withDefault(positiveInt(3_600_000), 30_000),
    HTTP_HEADERS_TIMEOUT_MS: withDefault(positiveInt(3_600_000), 10_000),
    HTTP_MAX_CONNECTIONS: withDefault(positiveInt(1_000_000), 2_000),
    TRUST_PROXY: withDefault(z.string(), 'false').pipe(trustProxySchema),
    // pretty: one readable line per entry (pino-pretty); json: one JSON object per line, for
    // log shippers. Unset: pretty when stdout is a terminal, JSON otherwise.
    LOG_FORMAT: optional(z.enum(['pretty', 'json'])),
    EMAIL_VERIFICATION: withDefault(z.enum(['off', 'optional', 'required']), 'optional'),
    SMTP_URL: optional(z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL')),
    MAIL_FROM: withDefault(z.string().min(3).max(320), 'auth-api <no-reply@localhost>'),
    APP_URL: optional(
      z.string().refine((value) => {
        try {
          const url = new URL(value);
          return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
        } catch {
          return false;
        }
      }, 'must be an http(s) URL without query or fragment, e.g. https://app.example.com'),
    ),
    RESET_TOKEN_TTL_SECONDS: withDefault(positiveInt(7 * 24 * 3600), 1800),
    VERIFY_TOKEN_TTL_SECONDS: withDefault(positiveInt(30 * 24 * 3600), 86400),
    MAIL_MAX_PER_ADDRESS: withDefault(positiveInt(1_000_000), 3),
    MAIL_MAX_PER_IP: withDefault(positiveInt(1_000_000), 20),
    MAIL_WINDOW_SECONDS: withDefault(positiveInt(7 * 24 * 3600), 3600),
    SMTP_TIMEOUT_MS: withDefault(positiveInt(120_000), 10_000),
    DATA_ENCRYPTION_KEY: optional(dataKeySchema),
    // The key before a rotation: secrets it encrypted are still read, and written again
    // under the new key when they next change.
    DATA_ENCRYPTION_KEY_PREVIOUS: optional(dataKeySchema),
    MFA_ISSUER: withDefault(z.string().trim().min(1).max(100), 'auth-api'),
    MFA_TOKEN_TTL_SECONDS: withDefault(positiveInt(3600), 300),
    MFA_MAX_ATTEMPTS: withDefault(positiveInt(1000), 5),
    WEBAUTHN_RP_ID: withDefault(
      z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^(?=.{1,253}$)[a-z0-9-]+(\.[a-z0-9-]+)*$/, 'must be a host name such as example.com (no scheme, port or path)'),
      'localhost',
    ),
    WEBAUTHN_RP_NAME: withDefault(z.string().trim().min(1).max(100), 'auth-api'),
    WEBAUTHN_ORIGINS: optional(listOf(originSchema).pipe(z.array(z.string()).min(1, 'must list at least one origin'))),
    MAX_PASSKEYS_PER_USER: withDefault(positiveInt(100), 10),
    AUDIT_ENABLED: withDefault(z.enum(['true', 'false']), 'true').transform((value) => value === 'true'),
    AUDIT_RETENTION_DAYS: withDefault(positiveInt(3650), 90),
  })
  .superRefine((env, ctx) => {
    // A secret that is set is used for real in any mode (a development service reachable on a
    // network is a service), so it must be strong in every mode; only an unset one is replaced
    // by a random per-process secret outside production.
    if (env.JWT_SECRET !== undefined) {
      if (env.JWT_SECRET.length < MIN_SECRET_LENGTH) {
        ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: `must be at least ${MIN_SECRET_LENGTH} characters` });
      } else if (estimatedEntropyBits(env.JWT_SECRET) < MIN_SECRET_ENTROPY_BITS || isRepetition(env.JWT_SECRET)) {
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_SECRET'],
          message: 'is too predictable (too few distinct characters, or a repeated piece); use a random value, e.g. 48 random bytes in base64url',
        });
      }
    }
    for (const origin of env.WEBAUTHN_ORIGINS ?? []) {
      if (!originMatchesRpId(origin, env.WEBAUTHN_RP_ID)) {
        ctx.addIssue({
          code: 'custom',
          path: ['WEBAUTHN_ORIGINS'],
          message: `${origin} is not on ${env.WEBAUTHN_RP_ID} (WEBAUTHN_RP_ID) or a subdomain of it; browsers would refuse its passkeys`,
        });
      }
    }
    if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', path: ['HTTP_HEADERS_TIMEOUT_MS'], message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS' });
    }
    if (env.NODE_ENV === 'production') {
      if (env.JWT_SECRET === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_SECRET'],
          message: `is required in production (at least ${MIN_SECRET_LENGTH} random characters)`,
        });
      }
      if (env.EMAIL_VERIFICATION === 'required' && env.SMTP_URL === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['SMTP_URL'],
          message: 'is required in production when EMAIL_VERIFICATION is required (the mails must go out)',
        });
      }
      if (env.MONGODB_URI === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['MONGODB_URI'],
          message: 'is required in production (the embedded MongoDB is for development only)',
        });
      }
    }
    const admin = [env.ADMIN_USERNAME, env.ADMIN_EMAIL, env.ADMIN_PASSWORD];
    const setCount = admin.filter((value) => value !== undefined).length;
    if (setCount !== 0 && setCount !== admin.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_USERNAME'],
        message: 'ADMIN_USERNAME, ADMIN_EMAIL and ADMIN_PASSWORD must be set together or not at all',
      });
    }
  });

export type EnvInput = Record<string, string | undefined>;

/** Never echoed in a configuration error: secrets, and URLs that may carry credentials. */
const SECRET_VARIABLES = new Set([
  'JWT_SECRET',
  'ADMIN_PASSWORD',
  'DATA_ENCRYPTION_KEY',
  'DATA_ENCRYPTION_KEY_PREVIOUS',
  'MONGODB_URI',
  'SMTP_URL',
]);

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly mongo: {
    /** Undefined means: start an embedded mongod (never in production). */
    readonly uri: string | undefined;
    readonly embeddedDataDir: string;
    /** The mongod of the embedded database, when given (see db/mongod-binary). */
    readonly systemBinary: string | undefined;
    readonly maxPoolSize: number;
  };
  readonly jwt: {
    readonly secret: string;
    /** True when no JWT_SECRET was given and a random one was made for this process. */
    readonly secretIsEphemeral: boolean;
    readonly accessTtlSeconds: number;
    readonly issuer: string;
    readonly audience: string;
  };
  readonly refreshToken: { readonly ttlSeconds: number };
  readonly maxSessionsPerUser: number;
  readonly bcryptRounds: number;
  readonly bcryptThreads: number;
  readonly hashQueue: { readonly limit: number; readonly perClient: number };
  readonly passwordMinLength: number;
  readonly corsOrigins: readonly string[];
  readonly initialAdmin:
    | { readonly username: string; readonly email: string; readonly password: string }
    | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** Undefined: decided by whether stdout is a terminal (see server.ts). */
  readonly logFormat: 'pretty' | 'json' | undefined;
  readonly throttle: {
    readonly signinMaxFailures: number;
    readonly windowSeconds: number;
    readonly maxRequestsPerIp: number;
    readonly accountMaxFailures: number;
    readonly accountWindowSeconds: number;
    readonly accountMaxDelaySeconds: number;
    /** IPv6 clients are counted per network of this prefix length (a /64 is one subscriber). */
    readonly ipv6PrefixLength: number;
  };
  readonly http: {
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly maxConnections: number;
  };
  readonly trustProxy: boolean | number | readonly string[];
  readonly email: {
    readonly verification: 'off' | 'optional' | 'required';
    /** Undefined: no SMTP server; outside production mails are printed to stdout instead. */
    readonly smtpUrl: string | undefined;
    readonly from: string;
    /** Where the links in mails point: the pages reset-password, verify-email, confirm-email below it. */
    readonly appUrl: string;
    readonly resetTtlSeconds: number;
    readonly verifyTtlSeconds: number;
    readonly maxPerAddress: number;
    readonly maxPerIp: number;
    readonly windowSeconds: number;
    readonly smtpTimeoutMs: number;
  };
  readonly mfa: {
    /**
     * Base64 of the 256-bit key that encrypts TOTP secrets at rest; undefined when
     * DATA_ENCRYPTION_KEY is unset (see dataKeys in services/mfa).
     */
    readonly encryptionKey: string | undefined;
    readonly previousEncryptionKey: string | undefined;
    /** The name authenticator apps show next to the code. */
    readonly issuer: string;
    /** How long the second step of a sign-in may wait after the password. */
    readonly tokenTtlSeconds: number;
    /** Wrong codes per pending sign-in (its mfaToken). */
    readonly maxAttempts: number;
  };
  readonly audit: {
    /** Security events stored in MongoDB (they are logged either way). */
    readonly enabled: boolean;
    readonly retentionDays: number;
  };
  readonly webauthn: {
    readonly rpId: string;
    readonly rpName: string;
    /** Pages allowed to register and use passkeys. */
    readonly origins: readonly string[];
    readonly maxPasskeysPerUser: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates the environment and returns the typed, frozen configuration.
 * Every problem is reported at once so an operator can fix them in one go.
 */
export function parseConfig(source: EnvInput): Config {
  const result = envSchema.safeParse(source, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const variable = issue.path.length > 0 ? issue.path.join('.') : '(environment)';
        // The value is echoed so that a typo shows ("got '8O80'"), except for variables that
        // hold secrets or credentials.
        // The input the issue saw, or the raw variable when that was coerced (a number).
        const input = (issue as { input?: unknown }).input;
        const given = typeof input === 'string' ? input : typeof input === 'number' ? source[variable] : undefined;
        const echo = typeof given === 'string' && !SECRET_VARIABLES.has(variable) ? ` (got ${JSON.stringify(given.slice(0, 100))})` : '';
        return `${variable}: ${issue.message}${echo}`;
      }),
    );
  }
  const env = result.data;
  const secretIsEphemeral = env.JWT_SECRET === undefined;
  return deepFreeze({
    env: env.NODE_ENV,
    port: env.PORT,
    mongo: {
      uri: env.MONGODB_URI,
      embeddedDataDir: env.MONGODB_DATA_DIR,
      systemBinary: env.MONGOMS_SYSTEM_BINARY,
      maxPoolSize: env.MONGODB_MAX_POOL_SIZE,
    },
    jwt: {
      secret: env.JWT_SECRET ?? randomBytes(48).toString('base64url'),
      secretIsEphemeral,
      accessTtlSeconds: env.JWT_ACCESS_TTL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    },
    refreshToken: { ttlSeconds: env.JWT_REFRESH_TTL },
    maxSessionsPerUser: env.MAX_SESSIONS_PER_USER,
    bcryptRounds: env.BCRYPT_ROUNDS,
    bcryptThreads: env.BCRYPT_THREADS,
    hashQueue: { limit: env.HASH_QUEUE_LIMIT, perClient: env.HASH_QUEUE_PER_CLIENT },
    passwordMinLength: env.PASSWORD_MIN_LENGTH,
    corsOrigins: env.CORS_ORIGINS,
    initialAdmin:
      env.ADMIN_USERNAME !== undefined &&
      env.ADMIN_EMAIL !== undefined &&
      env.ADMIN_PASSWORD !== undefined
        ? { username: env.ADMIN_USERNAME, email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }
        : undefined,
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    logFormat: env.LOG_FORMAT,
    throttle: {
      signinMaxFailures: env.SIGNIN_MAX_FAILURES,
      windowSeconds: env.AUTH_RATE_WINDOW_SECONDS,
      maxRequestsPerIp: env.AUTH_MAX_REQUESTS_PER_IP,
      accountMaxFailures: env.ACCOUNT_MAX_FAILURES,
      accountWindowSeconds: env.ACCOUNT_RATE_WINDOW_SECONDS,
      accountMaxDelaySeconds: env.ACCOUNT_MAX_DELAY_SECONDS,
      ipv6PrefixLength: env.IPV6_PREFIX_LENGTH,
    },
    http: {
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      maxConnections: env.HTTP_MAX_CONNECTIONS,
    },
    trustProxy: env.TRUST_PROXY,
    email: {
      verification: env.EMAIL_VERIFICATION,
      smtpUrl: env.SMTP_URL,
      from: env.MAIL_FROM,
      appUrl: (env.APP_URL ?? `http://localhost:${env.PORT}/demo`).replace(/\/+$/, ''),
      resetTtlSeconds: env.RESET_TOKEN_TTL_SECONDS,
      verifyTtlSeconds: env.VERIFY_TOKEN_TTL_SECONDS,
      maxPerAddress: env.MAIL_MAX_PER_ADDRESS,
      maxPerIp: env.MAIL_MAX_PER_IP,
      windowSeconds: env.MAIL_WINDOW_SECONDS,
      smtpTimeoutMs: env.SMTP_TIMEOUT_MS,
    },
    mfa: {
      encryptionKey: env.DATA_ENCRYPTION_KEY && decodeDataKey(env.DATA_ENCRYPTION_KEY)!.toString('base64'),
      previousEncryptionKey: env.DATA_ENCRYPTION_KEY_PREVIOUS && decodeDataKey(env.DATA_ENCRYPTION_KEY_PREVIOUS)!.toString('base64'),
      issuer: env.MFA_ISSUER,
      tokenTtlSeconds: env.MFA_TOKEN_TTL_SECONDS,
      maxAttempts: env.MFA_MAX_ATTEMPTS,
    },
    audit: { enabled: env.AUDIT_ENABLED, retentionDays: env.AUDIT_RETENTION_DAYS },
    webauthn: {
      rpId: env.WEBAUTHN_RP_ID,
      rpName: env.WEBAUTHN_RP_NAME,
      origins: env.WEBAUTHN_ORIGINS ?? [`http://localhost:${env.PORT}`],
      maxPasskeysPerUser: env.MAX_PASSKEYS_PER_USER,
    },
  });
}

/**
 * The only reader of process.env in the service: loads a local `.env` (never overriding
 * variables already set) and validates the result.
 */
export function loadConfig(): Config {
  dotenv.config({ quiet: true });
  return parseConfig(process.env);
}
