import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

// These tests run src/server.ts as a real process, the way `npm start` does, against an
// embedded mongod of its own (no MONGODB_URI), so they take a few seconds each.
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

// The service must not pick up the test run's own settings for these.
const SERVICE_VARIABLES = [
  'NODE_ENV', 'PORT', 'MONGODB_URI', 'MONGODB_DATA_DIR', 'JWT_SECRET', 'JWT_ACCESS_TTL', 'JWT_REFRESH_TTL',
  'BCRYPT_ROUNDS', 'CORS_ORIGINS', 'ADMIN_USERNAME', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'LOG_LEVEL',
  'SIGNIN_MAX_FAILURES', 'AUTH_RATE_WINDOW_SECONDS', 'AUTH_MAX_REQUESTS_PER_IP', 'TRUST_PROXY',
];

const children = new Set<ChildProcessWithoutNullStreams>();

function start(env: Record<string, string>): Running {
  const base = { ...process.env };
  for (const key of SERVICE_VARIABLES) delete base[key];
  // `node --import tsx` rather than the tsx CLI: the CLI is a wrapper process of its own,
  // and signals must reach the server itself, as they do under `npm start`.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env: { ...base, ...env } });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(proc: Running, text: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!proc.output().includes(text)) {
    if (proc.child.exitCode !== null) throw new Error(`exited early:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}":\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function post(port: number, route: string, body: unknown) {
  const res = await fetch(`http://127.0.0.1:${port}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the server process', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'auth-api-e2e-'));
  });
  afterEach(() => {
    // A failed test must not leave a server (and its mongod) behind.
    for (const child of children) child.kill('SIGINT');
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves on an embedded mongod when no MONGODB_URI is set, and keeps accounts across a restart', async () => {
    const port = await freePort();
    const env = { PORT: String(port), MONGODB_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    const user = { username: 'persisted', email: 'persisted@example.com', password: 'password-1' };

    const first = start(env);
    await waitFor(first, 'auth API listening');
    expect(first.output()).toContain(dataDir); // the log says where the data is
    expect(first.output()).toContain('JWT_SECRET is not set');
    expect((await post(port, '/api/auth/signup', user)).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = start(env);
    await waitFor(second, 'auth API listening');
    const signin = await post(port, '/api/auth/signin', { username: user.username, password: user.password });
    expect(signin.status).toBe(200);
    expect(signin.body.roles).toEqual(['ROLE_USER']);
    expect(second.output()).not.toContain(user.password);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('finishes an in-flight request before shutting down on SIGTERM', async () => {
    const port = await freePort();
    // A high bcrypt cost makes the sign-up slow enough to still be running at SIGTERM.
    const server = start({ PORT: String(port), MONGODB_DATA_DIR: dataDir, BCRYPT_ROUNDS: '13' });
    await waitFor(server, 'auth API listening');

    const inFlight = post(port, '/api/auth/signup', {
      username: 'slowpoke',
      email: 'slowpoke@example.com',
      password: 'password-1',
    });
    await new Promise((r) => setTimeout(r, 150));
    server.child.kill('SIGTERM');

    expect((await inFlight).status).toBe(200);
    expect(await server.exited).toBe(0);
  });

  it('refuses to start in production without secrets, naming every missing variable', async () => {
    const server = start({ NODE_ENV: 'production', JWT_SECRET: 'too-short' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/JWT_SECRET: .*32 characters/);
    expect(server.output()).toMatch(/MONGODB_URI: .*required in production/);
  });
});
