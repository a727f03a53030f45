import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import dotenv from 'dotenv';
import { z } from 'zod';
import { emailSchema, passwordSchema, usernameSchema } from '../validations/fields';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const MIN_PRODUCTION_SECRET_LENGTH = 32;

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

const envSchema = z
  .object({
    NODE_ENV: withDefault(z.enum(['development', 'production', 'test']), 'development'),
    PORT: withDefault(z.coerce.number().int().min(0).max(65535), 8080),
    MONGODB_URI: optional(
      z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://'),
    ),
    MONGODB_DATA_DIR: withDefault(z.string(), '.data'),
    JWT_SECRET: optional(z.string()),
    JWT_ACCESS_TTL: withDefault(positiveInt(7 * 24 * 3600), 3600),
    JWT_REFRESH_TTL: withDefault(positiveInt(365 * 24 * 3600), 86400),
    BCRYPT_ROUNDS: withDefault(z.coerce.number().int().min(4).max(15), 10),
    // Threads that hash passwords; one per core by default.
    BCRYPT_THREADS: withDefault(positiveInt(256), availableParallelism()),
    CORS_ORIGINS: withDefault(z.string(), 'http://localhost:8081').pipe(
      z
        .string()
        .transform((raw) =>
          raw
            .split(',')
            .map((origin) => origin.trim())
            .filter((origin) => origin !== ''),
        )
        .pipe(z.array(originSchema)),
    ),
    ADMIN_USERNAME: optional(usernameSchema),
    ADMIN_EMAIL: optional(emailSchema),
    ADMIN_PASSWORD: optional(passwordSchema),
    LOG_LEVEL: optional(z.enum(LOG_LEVELS)),
    SIGNIN_MAX_FAILURES: withDefault(positiveInt(1_000_000), 10),
    AUTH_RATE_WINDOW_SECONDS: withDefault(positiveInt(7 * 24 * 3600), 900),
    AUTH_MAX_REQUESTS_PER_IP: withDefault(positiveInt(1_000_000_000), 1000),
    TRUST_PROXY: withDefault(z.string(), 'false').transform(parseTrustProxy),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      if (env.JWT_SECRET === undefined || env.JWT_SECRET.length < MIN_PRODUCTION_SECRET_LENGTH) {
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_SECRET'],
          message: `is required in production and must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters`,
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

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly mongo: {
    /** Undefined means: start an embedded mongod (never in production). */
    readonly uri: string | undefined;
    readonly embeddedDataDir: string;
  };
  readonly jwt: {
    readonly secret: string;
    /** True when no JWT_SECRET was given and a random one was made for this process. */
    readonly secretIsEphemeral: boolean;
    readonly accessTtlSeconds: number;
  };
  readonly refreshToken: { readonly ttlSeconds: number };
  readonly bcryptRounds: number;
  readonly bcryptThreads: number;
  readonly corsOrigins: readonly string[];
  readonly initialAdmin:
    | { readonly username: string; readonly email: string; readonly password: string }
    | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly throttle: {
    readonly signinMaxFailures: number;
    readonly windowSeconds: number;
    readonly maxRequestsPerIp: number;
  };
  readonly trustProxy: boolean | number | readonly string[];
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
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const variable = issue.path.length > 0 ? issue.path.join('.') : '(environment)';
        return `${variable}: ${issue.message}`;
      }),
    );
  }
  const env = result.data;
  const secretIsEphemeral = env.JWT_SECRET === undefined;
  return deepFreeze({
    env: env.NODE_ENV,
    port: env.PORT,
    mongo: { uri: env.MONGODB_URI, embeddedDataDir: env.MONGODB_DATA_DIR },
    jwt: {
      secret: env.JWT_SECRET ?? randomBytes(48).toString('base64url'),
      secretIsEphemeral,
      accessTtlSeconds: env.JWT_ACCESS_TTL,
    },
    refreshToken: { ttlSeconds: env.JWT_REFRESH_TTL },
    bcryptRounds: env.BCRYPT_ROUNDS,
    bcryptThreads: env.BCRYPT_THREADS,
    corsOrigins: env.CORS_ORIGINS,
    initialAdmin:
      env.ADMIN_USERNAME !== undefined &&
      env.ADMIN_EMAIL !== undefined &&
      env.ADMIN_PASSWORD !== undefined
        ? { username: env.ADMIN_USERNAME, email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }
        : undefined,
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    throttle: {
      signinMaxFailures: env.SIGNIN_MAX_FAILURES,
      windowSeconds: env.AUTH_RATE_WINDOW_SECONDS,
      maxRequestsPerIp: env.AUTH_MAX_REQUESTS_PER_IP,
    },
    trustProxy: env.TRUST_PROXY,
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
