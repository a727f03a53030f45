/**
 * npm run bench: the service against a real mongod, driven by autocannon over loopback, as
 * ratios against a bare Express reference measured in the same run (this machine is shared
 * and noisy). Not part of the tests.
 *   BENCH_ROUNDS (5): rounds; each round measures the reference and then every scenario
 *   BENCH_DURATION (5): seconds per measurement
 *   BENCH_MIXED_SECONDS (60): the mixed-load memory scenario; 0 skips it
 *   BENCH_ONLY: comma-separated scenario keys (reference is always measured):
 *     user, admin, refresh, signin, audit, flood, propagation, mixed, scale
 *   BENCH_SCALE_USERS (1000000): users inserted for the scale scenario
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { MongoClient, ObjectId } from 'mongodb';
import { MongoMemoryServer } from 'mongodb-memory-server';
import { findMongod } from '../src/db/mongod-binary';

const ROOT = path.resolve(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const MIXED_SECONDS = Number(process.env.BENCH_MIXED_SECONDS ?? 60);
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const enabled = (key: string) => !ONLY || ONLY.includes(key);
const SCALE_USERS = Number(process.env.BENCH_SCALE_USERS ?? 1_000_000);
const CONNECTIONS = 50;
const MEMORY_LIMIT_MB = 200;

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const median = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
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
    await sleep(100);
  }
  throw new Error(`${url} never answered`);
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** CPU time (user + system) a process has used so far, in ms (from /proc; 10 ms ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the line; 12 and 13 after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

interface Run {
  rps: number;
  p99: number;
  failures: number;
  requests: number;
  sent: number;
}

interface LoadOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  duration?: number;
  overallRate?: number;
  requests?: { method: string; path: string; headers?: Record<string, string>; body?: string; uniqueSignup?: boolean }[];
}

/** autocannon in a child process (scripts/bench-load.mjs): the client is a program of its own. */
async function cannon(opts: LoadOptions): Promise<Run> {
  const args = [path.join(ROOT, 'scripts/bench-load.mjs'), JSON.stringify({ connections: CONNECTIONS, duration: DURATION, ...opts })];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(out) as Run;
}

const json = { 'content-type': 'application/json' };

/** Least-squares slope of (t seconds, y) in units per minute. */
function slopePerMinute(points: [number, number][]): number {
  const n = points.length;
  const mt = points.reduce((a, [t]) => a + t, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [t, y]) => a + (t - mt) * (y - my), 0);
  const den = points.reduce((a, [t]) => a + (t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

/** `npm start`'s command (after its build step): node, its flags and the entry file. */
function startCommand(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [node, ...args] = pkg.scripts.start.split(/\s+/);
  if (node !== 'node') throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  return args.map((arg) => (arg.endsWith('.js') ? path.join(ROOT, arg) : arg));
}

async function main() {
  if (!existsSync(path.join(ROOT, 'dist/server.js'))) throw new Error('run `npm run build` first');
  const start = startCommand();
  const children: ChildProcess[] = [];
  const binary = await findMongod({ systemBinary: process.env.MONGOMS_SYSTEM_BINARY, progress: log });
  log(`mongod ${binary.version} from ${binary.source}`);
  const mongod = await MongoMemoryServer.create({
    instance: { storageEngine: 'wiredTiger' },
    binary: { systemBinary: binary.path, version: binary.version },
  });
  try {
    // The reference runs with npm start's node flags too (heap settings), so that both sides
    // have the same process setup; only the app differs.
    const nodeFlags = start.filter((arg) => arg.startsWith('--'));
    let refPid = 0;
    const startReference = async (extra: Record<string, string> = {}) => {
      const port = await freePort();
      const child = spawn(process.execPath, [...nodeFlags, path.join(ROOT, 'scripts/bench-reference.mjs')], {
        env: { ...process.env, PORT: String(port), ...extra },
        stdio: 'ignore',
      });
      children.push(child);
      refPid ||= child.pid!;
      return `http://127.0.0.1:${port}`;
    };
    const ref = await startReference();
    // For the record, not a target: the same bare app on the service's HTTP server.
    const shapedRef = await startReference({ SHAPED_SERVER: '1' });
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
      ACCOUNT_MAX_FAILURES: '1000000',
      // The load generators send everything from one address; the hashing queue's per-client
      // bound would turn the throughput scenarios into a test of that bound.
      HASH_QUEUE_PER_CLIENT: '100000',
      ...extra,
    });
    // The default start command (what `npm start` runs after building), production settings:
    // helmet, CORS and a JSON log line per request, written to /dev/null here.
    const svcPort = await freePort();
    const service = spawn(process.execPath, start, {
      env: serviceEnv(svcPort),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(service);
    // A second instance on the same database, hashing on one thread: the one-core sign-in
    // figure, and the instance that makes the role changes in the propagation scenario.
    const otherPort = await freePort();
    children.push(
      spawn(process.execPath, start, {
        env: serviceEnv(otherPort, { BCRYPT_THREADS: '1' }),
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    // A third instance with the hashing queue's default bounds, behind a "proxy" (loopback)
    // so that X-Forwarded-For can stand for many client addresses: the flood scenario.
    const fairPort = await freePort();
    children.push(
      spawn(process.execPath, start, {
        env: serviceEnv(fairPort, { TRUST_PROXY: 'loopback', HASH_QUEUE_PER_CLIENT: '' }),
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    // A fourth instance that stores no audit events (AUDIT_ENABLED=false): the audit scenario
    // compares the default instance's sign-ins and refreshes against it.
    const quietPort = await freePort();
    if (enabled('audit')) {
      children.push(spawn(process.execPath, start, { env: serviceEnv(quietPort, { AUDIT_ENABLED: 'false' }), stdio: ['ignore', 'ignore', 'inherit'] }));
    }
    const quiet = `http://127.0.0.1:${quietPort}`;
    const svc = `http://127.0.0.1:${svcPort}`;
    const other = `http://127.0.0.1:${otherPort}`;
    const fair = `http://127.0.0.1:${fairPort}`;
    await Promise.all([
      waitHttp(`${ref}/api/test/all`),
      waitHttp(`${shapedRef}/api/test/all`),
      waitHttp(`${svc}/health/ready`),
      waitHttp(`${other}/health/ready`),
      waitHttp(`${fair}/health/ready`),
      ...(enabled('audit') ? [waitHttp(`${quiet}/health/ready`)] : []),
    ]);

    const call = async (base: string, method: string, route: string, body?: unknown, token?: string) => {
      const headers: Record<string, string> = { ...json, ...(token ? { 'x-access-token': token } : {}) };
      const res = await fetch(`${base}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, string>;
    };
    const signup = (username: string, password: string) =>
      call(svc, 'POST', '/api/auth/signup', { username, email: `${username}@example.com`, password });
    const signin = (username: string, password: string) => call(svc, 'POST', '/api/auth/signin', { username, password });

    await signup('benchuser', 'bench-user-password');
    // The sign-in storm signs a user of its own in thousands of times: with benchuser, the
    // session cap would end the session whose refresh token the refresh scenario presents.
    await signup('benchstorm', 'bench-user-password');
    const user = await signin('benchuser', 'bench-user-password');
    const admin = await signin('benchadmin', 'bench-admin-password');

    const client = await MongoClient.connect(mongod.getUri());
    // Database round trips: the commands mongod has received (serverStatus metrics), so that
    // the drivers' heartbeats and this script's own status commands are not counted. The
    // aggregate is the role/status read behind the sub-second cache, shared by all requests
    // of a user (at most two per user per second), so it is reported apart.
    const PER_REQUEST = ['find', 'insert', 'update', 'delete', 'findAndModify', 'count', 'getMore'];
    const opcount = async () => {
      const status = (await client.db('admin').command({ serverStatus: 1 })) as {
        metrics: { commands: Record<string, { total?: number } | undefined> };
      };
      const total = (name: string) => status.metrics.commands[name]?.total ?? 0;
      return { perRequest: PER_REQUEST.reduce((sum, name) => sum + total(name), 0), shared: total('aggregate') };
    };

    const rows = new Map<string, { rps: number[]; p99: number[]; ratio: number[]; extra: number[] }>();
    const add = (name: string, run: Run, ratio: number, extra = Number.NaN) => {
      let row = rows.get(name);
      if (!row) rows.set(name, (row = { rps: [], p99: [], ratio: [], extra: [] }));
      row.rps.push(run.rps);
      row.p99.push(run.p99);
      row.ratio.push(ratio);
      row.extra.push(extra);
      if (run.failures > 0) log(`warning: ${name}: ${run.failures} non-2xx replies or errors`);
    };
    const sharedReads: number[] = [];
    // CPU time per request of the service's process during the refresh runs, and of the
    // reference's during its runs (the database's own CPU is not in either).
    const refreshCpuUs: number[] = [];
    const signinCommands: number[] = [];
    const referenceCpuUs: number[] = [];
    const signinBody = JSON.stringify({ username: 'benchstorm', password: 'bench-user-password' });

    for (let round = 1; round <= ROUNDS; round += 1) {
      log(`round ${round}/${ROUNDS}`);
      // The reference is measured before and after each board scenario and the ratio taken
      // against their mean, so that drift on this shared machine, and whatever a previous
      // run leaves behind, weighs on both sides alike.
      const referenceRun = async () => {
        const cpu0 = cpuMs(refPid);
        const run = await cannon({ url: `${ref}/api/test/all` });
        referenceCpuUs.push(((cpuMs(refPid) - cpu0) * 1000) / run.sent);
        add('reference (bare Express)', run, 1);
        return run;
      };
      let before = await referenceRun();
      let userRun: Run | undefined;
      if (enabled('user') || enabled('admin')) {
        userRun = await cannon({ url: `${svc}/api/test/user`, headers: { 'x-access-token': user.accessToken! } });
        const after = await referenceRun();
        add('GET /api/test/user', userRun, (2 * userRun.rps) / (before.rps + after.rps));
        before = after;
      }
      if (enabled('user')) {
        const shaped = await cannon({ url: `${shapedRef}/api/test/all` });
        add('(record) reference on the service HTTP server', shaped, Number.NaN);
        if (userRun) add('(record) GET /api/test/user vs that', userRun, userRun.rps / shaped.rps);
      }
      if (enabled('admin') && userRun) {
        // Bracketed by user-board runs as the user board is by reference runs.
        const adminRun = await cannon({ url: `${svc}/api/test/admin`, headers: { 'x-access-token': admin.accessToken! } });
        const userAfter = await cannon({ url: `${svc}/api/test/user`, headers: { 'x-access-token': user.accessToken! } });
        add('GET /api/test/admin (vs user)', adminRun, (2 * adminRun.rps) / (userRun.rps + userAfter.rps));
      }
      const reference = before;
      if (enabled('refresh')) {
        const opsBefore = await opcount();
        const cpu0 = cpuMs(service.pid!);
        const refresh = await cannon({
          url: `${svc}/api/auth/refreshtoken`,
          method: 'POST',
          headers: json,
          // A client that keeps its sign-in token: every request is valid.
          body: JSON.stringify({ refreshToken: user.refreshToken }),
        });
        await sleep(500); // let the requests still in flight at the end finish
        refreshCpuUs.push(((cpuMs(service.pid!) - cpu0) * 1000) / refresh.sent);
        const opsAfter = await opcount();
        add('POST /api/auth/refreshtoken', refresh, refresh.rps / reference.rps, (opsAfter.perRequest - opsBefore.perRequest) / refresh.sent);
        sharedReads.push((opsAfter.shared - opsBefore.shared) / refresh.sent);
      }
      if (enabled('signin')) {
        const signinOps = await opcount();
        const [storm, publicDuringStorm] = await Promise.all([
          cannon({ url: `${svc}/api/auth/signin`, method: 'POST', connections: 16, headers: json, body: signinBody }),
          cannon({ url: `${svc}/api/test/all`, connections: 4, overallRate: 200 }),
        ]);
        await sleep(500);
        signinCommands.push(((await opcount()).perRequest - signinOps.perRequest) / storm.sent);
        const single = await cannon({
          url: `${other}/api/auth/signin`,
          method: 'POST',
          connections: 16,
          headers: json,
          body: signinBody,
        });
        add('POST /api/auth/signin, one hashing thread', single, Number.NaN);
        add('POST /api/auth/signin, default start command', storm, storm.rps / single.rps);
        add('GET /api/test/all during the sign-in storm', publicDuringStorm, Number.NaN);
      }
      if (enabled('audit')) {
        // The same load on the instance that stores events and on the one that does not,
        // in the order A B B A, so that drift weighs on both alike.
        const refreshOn = (base: string) =>
          cannon({ url: `${base}/api/auth/refreshtoken`, method: 'POST', headers: json, body: JSON.stringify({ refreshToken: user.refreshToken }) });
        const signinOn = (base: string) => cannon({ url: `${base}/api/auth/signin`, method: 'POST', connections: 16, headers: json, body: signinBody });
        for (const [name, load] of [
          ['refresh', refreshOn],
          ['signin', signinOn],
        ] as const) {
          const a1 = await load(svc);
          const b1 = await load(quiet);
          const b2 = await load(quiet);
          const a2 = await load(svc);
          add(`audit: ${name}, events stored (vs AUDIT_ENABLED=false)`, a1, (a1.rps + a2.rps) / (b1.rps + b2.rps));
        }
      }
    }

    // One address sends sign-ups while a normal user signs in from another: the normal user's
    // latency, against the same user's sign-ins with nobody else around. Two shapes: a burst
    // of 200 sign-ups at once (what used to queue 200 hashes in front of everyone), and a
    // closed-loop flood on 64 connections for the whole measurement.
    const flood: string[] = [];
    if (enabled('flood')) {
      log('flood');
      await call(fair, 'POST', '/api/auth/signup', { username: 'fairuser', email: 'fairuser@example.com', password: 'bench-user-password' });
      const normalSignin = async () => {
        const t0 = performance.now();
        const res = await fetch(`${fair}/api/auth/signin`, {
          method: 'POST',
          headers: { ...json, 'x-forwarded-for': '203.0.113.5' },
          body: JSON.stringify({ username: 'fairuser', password: 'bench-user-password' }),
        });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`normal sign-in during the flood: ${res.status}`);
        return performance.now() - t0;
      };
      const normalSignins = async (ms: number) => {
        const latencies: number[] = [];
        const until = performance.now() + ms;
        while (performance.now() < until) latencies.push(await normalSignin());
        return latencies;
      };
      const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
      const quiet = await normalSignins(DURATION * 1000);

      let burstNo = 0;
      const burstLatencies: number[] = [];
      const burstStatuses = new Map<number, number>();
      for (let i = 0; i < 5; i += 1) {
        const burst = Array.from({ length: 200 }, () => {
          burstNo += 1;
          const name = `burst${process.pid}x${burstNo}`;
          return fetch(`${fair}/api/auth/signup`, {
            method: 'POST',
            headers: { ...json, 'x-forwarded-for': '198.51.100.66' },
            body: JSON.stringify({ username: name, email: `${name}@example.com`, password: 'bench-load-password' }),
          }).then(async (res) => {
            await res.arrayBuffer();
            burstStatuses.set(res.status, (burstStatuses.get(res.status) ?? 0) + 1);
          });
        });
        await sleep(20);
        burstLatencies.push(await normalSignin());
        await Promise.all(burst);
        await sleep(500);
      }
      const statuses = [...burstStatuses].map(([status, n]) => `${n} x ${status}`).join(', ');
      flood.push(
        `sign-in of a normal user just after 200 sign-ups arrive at once from one other address (5 bursts; ${statuses}): ` +
          `median ${median(burstLatencies).toFixed(0)} ms, max ${Math.max(...burstLatencies).toFixed(0)} ms, against median ` +
          `${median(quiet).toFixed(0)} ms alone (target <= 2000 ms: ` +
          `${Math.max(...burstLatencies) <= 2000 ? 'met' : 'NOT met'})`,
      );

      const [floodRun, loud] = await Promise.all([
        cannon({
          url: fair,
          connections: 64,
          requests: [{ method: 'POST', path: '/api/auth/signup', headers: { ...json, 'x-forwarded-for': '198.51.100.66' }, uniqueSignup: true }],
        }),
        sleep(500).then(() => normalSignins((DURATION - 1) * 1000)),
      ]);
      flood.push(
        `(record) closed-loop sign-up flood from one address on 64 connections (${Math.round(floodRun.rps)} req/s, ` +
          `${floodRun.failures} of ${floodRun.requests} refused with 429): the normal user's sign-ins took median ` +
          `${median(loud).toFixed(0)} ms, p95 ${pct(loud, 0.95).toFixed(0)} ms (${loud.length} sign-ins); the flood saturates ` +
          `the CPU, and only the per-address request limit (off here) ends it`,
      );
    }

    // A role change and a disable made on the other instance, timed until this instance
    // (busy serving the admin board) enforces them.
    const propagation: string[] = [];
    if (enabled('propagation')) {
      log('propagation');
      const until = async (route: string, token: string, status: number) => {
        const start = performance.now();
        for (;;) {
          const res = await fetch(`${svc}${route}`, { headers: { 'x-access-token': token } });
          await res.arrayBuffer();
          if (res.status === status) return performance.now() - start;
          if (performance.now() - start > 5000) return Number.POSITIVE_INFINITY;
          await sleep(5);
        }
      };
      const load = cannon({ url: `${svc}/api/test/admin`, headers: { 'x-access-token': admin.accessToken! }, duration: 4 });
      const times: { demote: number[]; disable: number[] } = { demote: [], disable: [] };
      for (let i = 0; i < 3; i += 1) {
        const name = `benchprop${i}${Date.now()}`;
        await signup(name, 'bench-prop-password');
        const { id, accessToken } = await signin(name, 'bench-prop-password');
        await call(other, 'PUT', `/api/users/${id}/roles`, { roles: ['user', 'admin'] }, admin.accessToken);
        await until('/api/test/admin', accessToken!, 200);
        await call(other, 'PUT', `/api/users/${id}/roles`, { roles: ['user'] }, admin.accessToken);
        times.demote.push(await until('/api/test/admin', accessToken!, 403));
        await call(other, 'POST', `/api/users/${id}/disable`, undefined, admin.accessToken);
        times.disable.push(await until('/api/test/user', accessToken!, 401));
      }
      await load;
      const worst = Math.max(...times.demote, ...times.disable);
      propagation.push(
        `role change and disable on another instance, enforced here under load within: ` +
          `demote ${times.demote.map((t) => t.toFixed(0)).join('/')} ms, disable ${times.disable.map((t) => t.toFixed(0)).join('/')} ms ` +
          `(target <= 1000 ms: ${worst <= 1000 ? 'met' : 'NOT met'})`,
      );
    }

    // Mixed load: boards, refreshes, sign-ins and sign-ups at once; resident memory sampled.
    const memory: string[] = [];
    if (enabled('mixed') && MIXED_SECONDS > 0) {
      log(`mixed load, ${MIXED_SECONDS} s`);
      const samples: [number, number][] = [];
      const started = performance.now();
      const sampler = setInterval(() => samples.push([(performance.now() - started) / 1000, rssMb(service.pid!)]), 1000);
      const reads = cannon({
        url: svc,
        duration: MIXED_SECONDS,
        connections: 32,
        requests: [
          { method: 'GET', path: '/api/test/user', headers: { 'x-access-token': user.accessToken! } },
          { method: 'GET', path: '/api/test/admin', headers: { 'x-access-token': admin.accessToken! } },
          { method: 'GET', path: '/api/test/all' },
          { method: 'GET', path: '/api/users/me', headers: { 'x-access-token': user.accessToken! } },
          { method: 'POST', path: '/api/auth/refreshtoken', headers: json, body: JSON.stringify({ refreshToken: user.refreshToken }) },
        ],
      });
      const credentials = cannon({
        url: svc,
        duration: MIXED_SECONDS,
        connections: 4,
        overallRate: 10,
        requests: [
          { method: 'POST', path: '/api/auth/signin', headers: json, body: signinBody },
          { method: 'POST', path: '/api/auth/signup', headers: json, uniqueSignup: true },
        ],
      });
      const [readRun, credRun] = await Promise.all([reads, credentials]);
      clearInterval(sampler);
      await sleep(1000);
      samples.push([(performance.now() - started) / 1000, rssMb(service.pid!)]);
      const at = (s: number) => samples.find(([t]) => t >= s)?.[1] ?? Number.NaN;
      const peak = Math.max(...samples.map(([, y]) => y));
      const end = samples.at(-1)![1];
      const secondHalf = samples.filter(([t]) => t >= MIXED_SECONDS / 2);
      const slope = slopePerMinute(secondHalf);
      const rssOk = peak <= MEMORY_LIMIT_MB;
      // "No upward trend": over the second half, growth of at most 2 % of the limit per minute.
      const flat = slope <= MEMORY_LIMIT_MB * 0.02;
      memory.push(
        `mixed load ${MIXED_SECONDS} s: ${readRun.requests + credRun.requests} requests (${Math.round(readRun.rps + credRun.rps)}/s), ` +
          `${readRun.failures + credRun.failures} failures; resident memory ${at(5).toFixed(0)} MB at 5 s, ` +
          `${end.toFixed(0)} MB at the end, peak ${peak.toFixed(0)} MB; second-half trend ${slope >= 0 ? '+' : ''}${slope.toFixed(1)} MB/min ` +
          `(target <= ${MEMORY_LIMIT_MB} MB and no upward trend: ${rssOk && flat ? 'met' : 'NOT met'})`,
        `RSS every 10 s (MB): ${samples.filter((_, i) => i % 10 === 0).map(([t, y]) => `${t.toFixed(0)}s:${y.toFixed(0)}`).join(' ')}`,
      );
    }
    // The admin list, search, sign-in and a board with SCALE_USERS users inserted straight into
    // the database (the service's document shape), each request timed one after the other.
    const scale: string[] = [];
    if (enabled('scale')) {
      log(`scale: inserting ${SCALE_USERS} users`);
      const db = client.db('auth');
      const userRole = await db.collection('roles').findOne({ name: 'user' });
      const hash = await bcrypt.hash('bench-scale-password', 10);
      const name = (i: number) => `scale${String(i).padStart(7, '0')}`;
      const started = performance.now();
      const BATCH = 10_000;
      for (let from = 0; from < SCALE_USERS; from += BATCH) {
        const now = new Date();
        await db.collection('users').insertMany(
          Array.from({ length: Math.min(BATCH, SCALE_USERS - from) }, (_, k) => {
            const username = name(from + k);
            return {
              _id: new ObjectId(),
              username,
              usernameKey: username,
              email: `${username}@example.com`,
              emailKey: `${username}@example.com`,
              password: hash,
              roles: [userRole!._id],
              disabled: false,
              emailVerified: false,
              tokenVersion: 0,
              createdAt: now,
              updatedAt: now,
            };
          }),
          { ordered: false },
        );
      }
      log(`scale: inserted in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      const total = await db.collection('users').estimatedDocumentCount();
      const timed = async (label: string, times: number, request: () => Promise<Response>) => {
        const ms: number[] = [];
        for (let i = 0; i < times; i += 1) {
          const t0 = performance.now();
          const res = await request();
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`${label}: ${res.status}`);
          ms.push(performance.now() - t0);
        }
        const sorted = [...ms].sort((a, b) => a - b);
        return { label, median: median(ms), p95: sorted[Math.floor(sorted.length * 0.95)]! };
      };
      const asAdmin = { 'x-access-token': admin.accessToken! };
      // A cursor is opaque to clients; the benchmark makes the one for a position it wants.
      const cursorAt = (i: number) => Buffer.from(`u:${name(i)}`).toString('base64url');
      const rowsAt = [
        await timed('GET /api/users (page 1)', 50, () => fetch(`${svc}/api/users?limit=20`, { headers: asAdmin })),
        await timed('GET /api/users, a page in the middle', 50, () =>
          fetch(`${svc}/api/users?limit=20&cursor=${cursorAt(Math.floor(SCALE_USERS / 2))}`, { headers: asAdmin }),
        ),
        await timed('GET /api/users, the last page', 50, () =>
          fetch(`${svc}/api/users?limit=20&cursor=${cursorAt(SCALE_USERS - 15)}`, { headers: asAdmin }),
        ),
        await timed(`GET /api/users?q=<username prefix> (10 matches)`, 50, () =>
          fetch(`${svc}/api/users?q=${name(SCALE_USERS - 10).slice(0, -1)}`, { headers: asAdmin }),
        ),
        await timed('GET /api/users?q=<email prefix> (1 match)', 50, () =>
          fetch(`${svc}/api/users?q=${name(12345)}@`, { headers: asAdmin }),
        ),
        await timed('POST /api/auth/signin (bcrypt cost 10 included)', 20, () =>
          fetch(`${svc}/api/auth/signin`, {
            method: 'POST',
            headers: json,
            body: JSON.stringify({ username: name(777_777 % SCALE_USERS), password: 'bench-scale-password' }),
          }),
        ),
        await timed('GET /api/test/admin', 50, () => fetch(`${svc}/api/test/admin`, { headers: asAdmin })),
      ];
      scale.push(
        '',
        `scale: ${total} users in the collection; each request 20-50 times in a row, ms`,
        '',
        '| request | median ms | p95 ms | target |',
        '|---|---:|---:|---|',
        ...rowsAt.map(
          (r) =>
            `| ${r.label} | ${r.median.toFixed(1)} | ${r.p95.toFixed(1)} | ${
              r.label.startsWith('GET /api/users') ? `<= 50 ms median: ${r.median <= 50 ? 'met' : 'NOT met'}` : ''
            } |`,
        ),
      );
    }

    await client.close();

    const targets: Record<string, (r: { ratio: number; p99: number; extra: number }) => string> = {
      'GET /api/test/user': (r) => `>= 0.70 of reference: ${r.ratio >= 0.7 ? 'met' : 'NOT met'}`,
      'GET /api/test/admin (vs user)': (r) => `>= 0.90 of user: ${r.ratio >= 0.9 ? 'met' : 'NOT met'}`,
      'POST /api/auth/refreshtoken': (r) => `<= 2 DB round trips/request: ${r.extra.toFixed(2)} ${Number(r.extra.toFixed(2)) <= 2 ? 'met' : 'NOT met'}`,
      'POST /api/auth/signin, default start command': (r) => `>= 1.6x one thread: ${r.ratio >= 1.6 ? 'met' : 'NOT met'}`,
      'GET /api/test/all during the sign-in storm': (r) => `p99 <= 50 ms: ${r.p99 <= 50 ? 'met' : 'NOT met'}`,
      'audit: refresh, events stored (vs AUDIT_ENABLED=false)': (r) => `>= 0.95: ${r.ratio >= 0.95 ? 'met' : 'NOT met'}`,
      'audit: signin, events stored (vs AUDIT_ENABLED=false)': (r) => `>= 0.95: ${r.ratio >= 0.95 ? 'met' : 'NOT met'}`,
    };
    const lines = [
      `machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; ` +
        `${ROUNDS} rounds x ${DURATION} s, ${CONNECTIONS} connections; medians`,
      '',
      '| scenario | req/s | p99 ms | ratio | target |',
      '|---|---:|---:|---:|---|',
    ];
    for (const [name, row] of rows) {
      const r = { ratio: median(row.ratio), p99: median(row.p99), extra: median(row.extra) };
      const ratio = Number.isNaN(r.ratio) ? '' : r.ratio.toFixed(2);
      lines.push(`| ${name} | ${Math.round(median(row.rps))} | ${r.p99} | ${ratio} | ${targets[name]?.(r) ?? ''} |`);
    }
    if (sharedReads.length > 0) {
      const cpuRatio = median(refreshCpuUs) / median(referenceCpuUs);
      lines.push(
        '',
        `refresh: plus ${median(sharedReads).toFixed(3)} cached role/status reads per request (shared by all of a user's requests, at most 2 per second)`,
        `refresh CPU per request (service process): ${median(refreshCpuUs).toFixed(0)} µs, reference ${median(referenceCpuUs).toFixed(0)} µs: ` +
          `${cpuRatio.toFixed(1)}x (target <= 4x: ${cpuRatio <= 4 ? 'met' : 'NOT met'})`,
      );
    }
    if (signinCommands.length > 0) {
      lines.push(
        `sign-in: ${median(signinCommands).toFixed(2)} database commands per request, of which it waits for 3 in a row ` +
          '(test/integration/signin.test.ts counts the chain)',
      );
    }
    lines.push('', ...flood, ...propagation, ...memory, ...scale);
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
