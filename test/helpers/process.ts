import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

// Runs src/server.ts as a real process, the way `npm start` does.

const ROOT = path.resolve(__dirname, '../..');
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Running {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

// The service must not pick up the test run's own settings for these.
const SERVICE_VARIABLES = [
  'NODE_ENV', 'PORT', 'MONGODB_URI', 'MONGODB_DATA_DIR', 'JWT_SECRET', 'JWT_ACCESS_TTL', 'JWT_REFRESH_TTL',
  'BCRYPT_ROUNDS', 'BCRYPT_THREADS', 'CORS_ORIGINS', 'ADMIN_USERNAME', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'LOG_LEVEL',
  'SIGNIN_MAX_FAILURES', 'AUTH_RATE_WINDOW_SECONDS', 'AUTH_MAX_REQUESTS_PER_IP', 'TRUST_PROXY',
  'EMAIL_VERIFICATION', 'SMTP_URL', 'MAIL_FROM', 'APP_URL', 'MAX_SESSIONS_PER_USER', 'PASSWORD_MIN_LENGTH',
  'DATA_ENCRYPTION_KEY', 'DATA_ENCRYPTION_KEY_PREVIOUS', 'MFA_ISSUER', 'MFA_TOKEN_TTL_SECONDS', 'MFA_MAX_ATTEMPTS',
  'WEBAUTHN_RP_ID', 'WEBAUTHN_RP_NAME', 'WEBAUTHN_ORIGINS', 'MAX_PASSKEYS_PER_USER',
];

const children = new Set<ChildProcessWithoutNullStreams>();

export function start(env: Record<string, string>): Running {
  const base = { ...process.env };
  for (const key of SERVICE_VARIABLES) delete base[key];
  // `node --import tsx` rather than the tsx CLI: the CLI is a wrapper process of its own,
  // and signals must reach the server itself, as they do under `npm start`.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env: { ...base, ...env } });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  // Keep the start and the recent tail: a long run logs a line per request.
  const append = (d: Buffer) => {
    out += d.toString();
    if (out.length > 4_000_000) out = out.slice(0, 100_000) + out.slice(-1_000_000);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

export async function waitFor(proc: Running, text: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!proc.output().includes(text)) {
    if (proc.child.exitCode !== null) throw new Error(`exited early:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}":\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function post(port: number, route: string, body: unknown) {
  const res = await fetch(`http://127.0.0.1:${port}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}


/** Stops every server started here that is still running. */
export function stopAll(): void {
  for (const child of children) child.kill('SIGINT');
}
