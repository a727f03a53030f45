/**
 * npm run bench: the service against a real mongod, driven by autocannon over loopback, as
 * ratios against a bare Express reference measured in the same run (this machine is shared
 * and noisy). Not part of the tests.
 *   BENCH_ROUNDS (3), BENCH_DURATION seconds per measurement (5)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { MongoClient } from 'mongodb';
import { MongoMemoryServer } from 'mongodb-memory-server';

const ROOT = path.resolve(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = 50;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

interface Run {
  rps: number;
  p99: number;
  non2xx: number;
  requests: number;
}

async function cannon(opts: autocannon.Options): Promise<Run> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    requests: result.requests.total,
  };
}

async function main() {
  if (!existsSync(path.join(ROOT, 'dist/server.js'))) throw new Error('run `npm run build` first');
  const children: ChildProcess[] = [];
  const mongod = await MongoMemoryServer.create({ instance: { storageEngine: 'wiredTiger' } });
  try {
    const refPort = await freePort();
    children.push(spawn(process.execPath, [path.join(ROOT, 'scripts/bench-reference.mjs')], {
      env: { ...process.env, PORT: String(refPort) },
      stdio: 'ignore',
    }));
    const serviceEnv = (port: number, extra: Record<string, string> = {}) => ({
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      MONGODB_URI: mongod.getUri('auth'),
      JWT_SECRET: 'benchmark-secret-benchmark-secret-0123456789',
      ADMIN_USERNAME: 'benchadmin',
      ADMIN_EMAIL: 'benchadmin@example.com',
      ADMIN_PASSWORD: 'bench-admin-password',
      AUTH_MAX_REQUESTS_PER_IP: '1000000000',
      SIGNIN_MAX_FAILURES: '1000000',
      ...extra,
    });
    // Production settings: helmet, CORS and a JSON log line per request (to /dev/null here).
    const svcPort = await freePort();
    const service = spawn(process.execPath, [path.join(ROOT, 'dist/server.js')], {
      env: serviceEnv(svcPort),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(service);
    // The same service hashing on one thread: the one-core sign-in figure.
    const oneCorePort = await freePort();
    children.push(spawn(process.execPath, [path.join(ROOT, 'dist/server.js')], {
      env: serviceEnv(oneCorePort, { BCRYPT_THREADS: '1' }),
      stdio: ['ignore', 'ignore', 'inherit'],
    }));
    const ref = `http://127.0.0.1:${refPort}`;
    const svc = `http://127.0.0.1:${svcPort}`;
    const oneCore = `http://127.0.0.1:${oneCorePort}`;
    await Promise.all([waitHttp(`${ref}/api/test/all`), waitHttp(`${svc}/health/ready`), waitHttp(`${oneCore}/health/ready`)]);

    const post = async (route: string, body: unknown) =>
      (await (await fetch(`${svc}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as Record<string, string>;
    await post('/api/auth/signup', { username: 'benchuser', email: 'benchuser@example.com', password: 'bench-user-password' });
    const user = await post('/api/auth/signin', { username: 'benchuser', password: 'bench-user-password' });
    const admin = await post('/api/auth/signin', { username: 'benchadmin', password: 'bench-admin-password' });

    const client = await MongoClient.connect(mongod.getUri());
    const opcount = async () => {
      const c = (await client.db('admin').command({ serverStatus: 1 })).opcounters as Record<string, number>;
      return Object.values(c).reduce((a, b) => a + b, 0);
    };

    const rows: Record<string, { rps: number[]; p99: number[]; ratio: number[]; extra: number[] }> = {};
    const add = (name: string, run: Run, ratio: number, extra = Number.NaN) => {
      const row = (rows[name] ??= { rps: [], p99: [], ratio: [], extra: [] });
      row.rps.push(run.rps);
      row.p99.push(run.p99);
      row.ratio.push(ratio);
      row.extra.push(extra);
      if (run.non2xx > 0) process.stderr.write(`warning: ${name}: ${run.non2xx} non-2xx/errors\n`);
    };

    for (let round = 1; round <= ROUNDS; round += 1) {
      process.stderr.write(`round ${round}/${ROUNDS}\n`);
      const reference = await cannon({ url: `${ref}/api/test/all` });
      add('reference (bare Express)', reference, 1);
      const userRun = await cannon({ url: `${svc}/api/test/user`, headers: { 'x-access-token': user.accessToken! } });
      add('GET /api/test/user', userRun, userRun.rps / reference.rps);
      const adminRun = await cannon({ url: `${svc}/api/test/admin`, headers: { 'x-access-token': admin.accessToken! } });
      add('GET /api/test/admin (vs user)', adminRun, adminRun.rps / userRun.rps);
      const before = await opcount();
      const refresh = await cannon({
        url: `${svc}/api/auth/refreshtoken`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // A client that keeps its sign-in token: every request is valid.
        body: JSON.stringify({ refreshToken: user.refreshToken }),
      });
      add('POST /api/auth/refreshtoken', refresh, refresh.rps / reference.rps, ((await opcount()) - before) / refresh.requests);
      const signinBody = JSON.stringify({ username: 'benchuser', password: 'bench-user-password' });
      const [storm, publicDuringStorm] = await Promise.all([
        cannon({ url: `${svc}/api/auth/signin`, method: 'POST', connections: 16, headers: { 'content-type': 'application/json' }, body: signinBody }),
        cannon({ url: `${svc}/api/test/all`, connections: 4, overallRate: 200 }),
      ]);
      const single = await cannon({
        url: `${oneCore}/api/auth/signin`,
        method: 'POST',
        connections: 16,
        headers: { 'content-type': 'application/json' },
        body: signinBody,
      });
      add('POST /api/auth/signin, one hashing thread', single, Number.NaN);
      add('POST /api/auth/signin, default (thread per core)', storm, storm.rps / single.rps);
      add('GET /api/test/all during the sign-in storm', publicDuringStorm, Number.NaN);
    }
    await client.close();
    const rss = rssMb(service.pid!);

    const targets: Record<string, (r: { ratio: number; p99: number; extra: number }) => string> = {
      'GET /api/test/user': (r) => `>= 0.70 of reference: ${r.ratio >= 0.7 ? 'met' : 'NOT met'}`,
      'GET /api/test/admin (vs user)': (r) => `>= 0.90 of user: ${r.ratio >= 0.9 ? 'met' : 'NOT met'}`,
      'POST /api/auth/refreshtoken': (r) => `<= 2 DB ops/request: ${r.extra.toFixed(2)} ${r.extra <= 2 ? 'met' : 'NOT met'}`,
      'POST /api/auth/signin, default (thread per core)': (r) => `>= 1.6x one thread: ${r.ratio >= 1.6 ? 'met' : 'NOT met'}`,
      'GET /api/test/all during the sign-in storm': (r) => `p99 <= 50 ms: ${r.p99 <= 50 ? 'met' : 'NOT met'}`,
    };
    const lines = [
      `machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; ${ROUNDS} rounds x ${DURATION} s, ${CONNECTIONS} connections; medians`,
      '',
      '| scenario | req/s | p99 ms | ratio | target |',
      '|---|---:|---:|---:|---|',
    ];
    for (const [name, row] of Object.entries(rows)) {
      const r = { ratio: median(row.ratio), p99: median(row.p99), extra: median(row.extra) };
      lines.push(
        `| ${name} | ${Math.round(median(row.rps))} | ${r.p99} | ${Number.isNaN(r.ratio) ? '' : r.ratio.toFixed(2)} | ${targets[name]?.(r) ?? ''} |`,
      );
    }
    lines.push('', `service resident memory after the run: ${rss.toFixed(0)} MB (target <= 200 MB)`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await mongod.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
