import { readFileSync } from 'node:fs';

// A small load generator for the reliability suite: workers that each act like a client
// (sign up, sign in, refresh with rotation, open a board) and record every reply.

export type Action = 'signup' | 'signin' | 'refresh' | 'board';

export interface Sample {
  action: Action;
  status: number; // 0: no reply within the timeout, or the connection failed
  ms: number;
  at: number;
}

export interface LoadResult {
  samples: Sample[];
  /** Usernames whose sign-up got a 200: each must exist afterwards. */
  acknowledgedSignups: string[];
}

const PASSWORD = 'reliability-password';
const REQUEST_TIMEOUT_MS = 5_000;

async function call(base: string, path: string, init: { method?: string; body?: unknown; token?: string }) {
  const started = Date.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.token ? { 'x-access-token': init.token } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    return { status: res.status, ms: Date.now() - started, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {} };
  } catch {
    return { status: 0, ms: Date.now() - started, body: {} };
  }
}

export async function runLoad(options: {
  base: string;
  durationMs: number;
  concurrency: number;
  /** Prefix of this run's usernames, unique per run. */
  tag: string;
}): Promise<LoadResult> {
  const { base, durationMs, concurrency, tag } = options;
  const samples: Sample[] = [];
  const acknowledgedSignups: string[] = [];
  const deadline = Date.now() + durationMs;

  const worker = async (id: number) => {
    let signups = 0;
    let username: string | undefined;
    let accessToken: string | undefined;
    let refreshToken: string | undefined;
    const record = (action: Action, r: { status: number; ms: number }) =>
      samples.push({ action, status: r.status, ms: r.ms, at: Date.now() });

    for (let step = 0; Date.now() < deadline; step += 1) {
      if (!username || step % 10 === 0) {
        const name = `${tag}w${id}n${signups++}`;
        const r = await call(base, '/api/auth/signup', { body: { username: name, email: `${name}@example.com`, password: PASSWORD } });
        record('signup', r);
        if (r.status === 200) {
          acknowledgedSignups.push(name);
          username = name;
          accessToken = undefined;
          refreshToken = undefined;
        }
      } else if (!refreshToken || step % 10 === 5) {
        const r = await call(base, '/api/auth/signin', { body: { username, password: PASSWORD } });
        record('signin', r);
        if (r.status === 200) {
          accessToken = r.body.accessToken as string;
          refreshToken = r.body.refreshToken as string;
        }
      } else if (step % 3 === 0) {
        const r = await call(base, '/api/auth/refreshtoken', { body: { refreshToken } });
        record('refresh', r);
        if (r.status === 200) {
          accessToken = r.body.accessToken as string;
          refreshToken = r.body.refreshToken as string;
        } else if (r.status === 403) {
          refreshToken = undefined;
        }
      } else {
        record('board', await call(base, '/api/test/user', { token: accessToken }));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  return { samples, acknowledgedSignups };
}

export function summarize(samples: Sample[]) {
  const byStatus: Record<string, number> = {};
  for (const s of samples) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
  const failed = samples.filter((s) => s.status === 0 || s.status >= 500);
  return {
    total: samples.length,
    byStatus,
    serverErrors: samples.filter((s) => s.status >= 500 && s.status !== 503).length,
    unavailable: samples.filter((s) => s.status === 503).length,
    noReply: samples.filter((s) => s.status === 0).length,
    errorRate: samples.length === 0 ? 0 : failed.length / samples.length,
    slowestFailureMs: Math.max(0, ...failed.map((s) => s.ms)),
  };
}

/** Resident memory of a process, in MB (Linux); NaN once the process is gone. */
export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
  return Date.now() - started;
}

export async function status(url: string): Promise<number> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).status;
  } catch {
    return 0;
  }
}
