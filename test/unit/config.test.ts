import { randomBytes } from 'node:crypto';
import { ConfigError, parseConfig } from '../../src/config/config';

const STRONG_SECRET = 'kY3v9Qw0pL7zR2sT8mN4bX6cJ1hF5dGa';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has working defaults for development', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      env: 'development',
      port: 8080,
      mongo: { uri: undefined, embeddedDataDir: '.data' },
      jwt: { accessTtlSeconds: 3600, secretIsEphemeral: true },
      refreshToken: { ttlSeconds: 86400 },
      bcryptRounds: 10,
      bcryptThreads: expect.any(Number),
      corsOrigins: ['http://localhost:8081'],
      initialAdmin: undefined,
      logLevel: 'info',
      throttle: { signinMaxFailures: 10, windowSeconds: 900, maxRequestsPerIp: 1000 },
      trustProxy: false,
    });
  });

  it.each([
    ['true', true],
    ['2', 2],
    ['loopback, 10.0.0.0/8', ['loopback', '10.0.0.0/8']],
  ])('reads TRUST_PROXY=%s', (raw, expected) => {
    expect(parseConfig({ TRUST_PROXY: raw }).trustProxy).toEqual(expected);
  });

  it('makes a random secret per process when JWT_SECRET is missing outside production', () => {
    const a = parseConfig({});
    const b = parseConfig({});
    expect(a.jwt.secret.length).toBeGreaterThanOrEqual(32);
    expect(a.jwt.secret).not.toBe(b.jwt.secret);
  });

  it('reads every variable', () => {
    const config = parseConfig({
      NODE_ENV: 'production',
      PORT: '9090',
      MONGODB_URI: 'mongodb://db.internal:27017/auth',
      JWT_SECRET: STRONG_SECRET,
      JWT_ACCESS_TTL: '900',
      JWT_ISSUER: 'https://auth.example.com',
      JWT_AUDIENCE: 'example-api',
      JWT_REFRESH_TTL: '604800',
      BCRYPT_ROUNDS: '12',
      CORS_ORIGINS: 'https://a.example.com, https://b.example.com:8443',
      ADMIN_USERNAME: 'root',
      ADMIN_EMAIL: 'root@example.com',
      ADMIN_PASSWORD: 'initial-admin-pw',
      LOG_LEVEL: 'warn',
      ACCOUNT_MAX_FAILURES: '50',
      ACCOUNT_RATE_WINDOW_SECONDS: '7200',
      ACCOUNT_MAX_DELAY_SECONDS: '600',
      IPV6_PREFIX_LENGTH: '56',
      MAX_SESSIONS_PER_USER: '20',
      HASH_QUEUE_LIMIT: '32',
      HASH_QUEUE_PER_CLIENT: '2',
      PASSWORD_MIN_LENGTH: '12',
      HTTP_REQUEST_TIMEOUT_MS: '20000',
      HTTP_HEADERS_TIMEOUT_MS: '5000',
      HTTP_MAX_CONNECTIONS: '500',
    });
    expect(config).toMatchObject({
      env: 'production',
      port: 9090,
      mongo: { uri: 'mongodb://db.internal:27017/auth' },
      jwt: {
        secret: STRONG_SECRET,
        secretIsEphemeral: false,
        accessTtlSeconds: 900,
        issuer: 'https://auth.example.com',
        audience: 'example-api',
      },
      maxSessionsPerUser: 20,
      hashQueue: { limit: 32, perClient: 2 },
      passwordMinLength: 12,
      throttle: { accountMaxFailures: 50, accountWindowSeconds: 7200, accountMaxDelaySeconds: 600, ipv6PrefixLength: 56 },
      http: { requestTimeoutMs: 20000, headersTimeoutMs: 5000, maxConnections: 500 },
      refreshToken: { ttlSeconds: 604800 },
      bcryptRounds: 12,
      corsOrigins: ['https://a.example.com', 'https://b.example.com:8443'],
      initialAdmin: { username: 'root', email: 'root@example.com', password: 'initial-admin-pw' },
      logLevel: 'warn',
    });
  });

  it('is frozen', () => {
    const config = parseConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.jwt)).toBe(true);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ PORT: '', JWT_SECRET: '' })).toMatchObject({ port: 8080, jwt: { secretIsEphemeral: true } });
  });

  it.each([
    ['development', 'secret'],
    ['development', 'a'.repeat(32)],
    ['test', 'secretsecretsecretsecretsecretsecret'],
    ['development', 'changemechangemechangemechangeme'],
    ['production', 'a'.repeat(32)],
  ])('refuses a weak JWT_SECRET in %s mode: %s', (mode, secret) => {
    const problems = problemsOf({ NODE_ENV: mode, JWT_SECRET: secret, MONGODB_URI: 'mongodb://db/auth' });
    expect(problems).toEqual([expect.stringMatching(/^JWT_SECRET: (must be at least 32 characters|is too predictable)/)]);
  });

  it('accepts random secrets as the README makes them (48 bytes base64url, 16 bytes hex)', () => {
    for (let i = 0; i < 2_000; i += 1) {
      expect(() => parseConfig({ JWT_SECRET: randomBytes(48).toString('base64url') })).not.toThrow();
      expect(() => parseConfig({ JWT_SECRET: randomBytes(16).toString('hex') })).not.toThrow();
    }
  });

  it('requires a long JWT_SECRET and MONGODB_URI in production, reporting both at once', () => {
    const problems = problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' });
    expect(problems).toEqual([
      expect.stringMatching(/^JWT_SECRET: .*32 characters/),
      expect.stringMatching(/^MONGODB_URI: .*required in production/),
    ]);
  });

  it('lists every bad value, naming each variable', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      JWT_ACCESS_TTL: '-5',
      JWT_REFRESH_TTL: '1.5',
      BCRYPT_ROUNDS: '3',
      MONGODB_URI: 'http://localhost',
      CORS_ORIGINS: 'http://localhost:8081/app',
      NODE_ENV: 'staging',
      SIGNIN_MAX_FAILURES: '0',
      AUTH_MAX_REQUESTS_PER_IP: 'lots',
    });
    const variables = problems.map((p) => p.split(':')[0]).sort();
    expect(variables).toEqual(
      [
        'AUTH_MAX_REQUESTS_PER_IP',
        'BCRYPT_ROUNDS',
        'CORS_ORIGINS.0',
        'JWT_ACCESS_TTL',
        'JWT_REFRESH_TTL',
        'MONGODB_URI',
        'NODE_ENV',
        'PORT',
        'SIGNIN_MAX_FAILURES',
      ].sort(),
    );
  });

  it('wants the three ADMIN_ variables together', () => {
    expect(problemsOf({ ADMIN_USERNAME: 'root' })).toEqual([expect.stringMatching(/^ADMIN_USERNAME: .*together/)]);
  });

  it('holds the initial admin to the sign-up rules', () => {
    const problems = problemsOf({ ADMIN_USERNAME: 'r', ADMIN_EMAIL: 'nope', ADMIN_PASSWORD: 'short' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['ADMIN_EMAIL', 'ADMIN_PASSWORD', 'ADMIN_USERNAME']);
  });

  it('reads the data key as hex or base64, and the passkey settings, with defaults that work on localhost:PORT', () => {
    const key = randomBytes(32);
    const config = parseConfig({ PORT: '9090', DATA_ENCRYPTION_KEY: key.toString('hex'), DATA_ENCRYPTION_KEY_PREVIOUS: key.toString('base64') });
    expect(config.mfa).toEqual({
      encryptionKey: key.toString('base64'),
      previousEncryptionKey: key.toString('base64'),
      issuer: 'auth-api',
      tokenTtlSeconds: 300,
      maxAttempts: 5,
    });
    expect(config.webauthn).toEqual({ rpId: 'localhost', rpName: 'auth-api', origins: ['http://localhost:9090'], maxPasskeysPerUser: 10 });
    expect(parseConfig({ DATA_ENCRYPTION_KEY: key.toString('base64url') }).mfa.encryptionKey).toBe(key.toString('base64'));
    expect(parseConfig({}).mfa.encryptionKey).toBeUndefined();
  });

  it('refuses a data key that is not 32 bytes, and passkey origins outside the relying party', () => {
    const problems = problemsOf({
      DATA_ENCRYPTION_KEY: 'changeme',
      DATA_ENCRYPTION_KEY_PREVIOUS: randomBytes(16).toString('hex'),
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_ORIGINS: 'https://app.example.com,https://example.org',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^DATA_ENCRYPTION_KEY: must be 32 random bytes/),
      expect.stringMatching(/^DATA_ENCRYPTION_KEY_PREVIOUS: must be 32 random bytes/),
      'WEBAUTHN_ORIGINS: https://example.org is not on example.com (WEBAUTHN_RP_ID) or a subdomain of it; browsers would refuse its passkeys',
    ]);
    expect(problemsOf({ WEBAUTHN_RP_ID: 'https://example.com' })[0]).toMatch(/^WEBAUTHN_RP_ID: must be a host name/);
  });

  it('refuses a TRUST_PROXY that proxy-addr would not read, echoing bad values but never secrets', () => {
    expect(problemsOf({ TRUST_PROXY: 'yes' })).toEqual([
      'TRUST_PROXY: must be false, true, a hop count (1), or comma-separated proxy addresses or subnets (loopback, 10.0.0.0/8, 192.168.1.5) (got "yes")',
    ]);
    expect(problemsOf({ TRUST_PROXY: 'loopback, 10.0.0.0/33' })[0]).toMatch(/^TRUST_PROXY: /);
    expect(parseConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, ::1, 192.168.1.5' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', '::1', '192.168.1.5']);
    expect(problemsOf({ PORT: '8O80' })).toEqual([expect.stringMatching(/^PORT: .* \(got "8O80"\)$/)]);
    const secret = problemsOf({ JWT_SECRET: 'short-secret-value' });
    expect(secret.join('\n')).not.toContain('short-secret-value');
  });

  it('reads LOG_FORMAT', () => {
    expect(parseConfig({}).logFormat).toBeUndefined();
    expect(parseConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(problemsOf({ LOG_FORMAT: 'xml' })[0]).toMatch(/^LOG_FORMAT: /);
  });

  it('keeps tests quiet by default', () => {
    expect(parseConfig({ NODE_ENV: 'test' }).logLevel).toBe('silent');
  });
});
