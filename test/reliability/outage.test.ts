import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoMemoryServer } from 'mongodb-memory-server';
import { stopAll, type Running } from '../helpers/process';
import { runLoad, sleep, status, summarize, waitUntil } from './load';
import { startService } from './service';

describe('MongoDB outage', () => {
  let mongod: MongoMemoryServer;
  let server: Running;
  let dataDir: string;
  let base: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'auth-api-outage-'));
    mongod = await MongoMemoryServer.create({ instance: { dbPath: dataDir, storageEngine: 'wiredTiger' } });
    ({ server, base } = await startService(mongod.getUri('auth')));
  });

  afterAll(async () => {
    stopAll();
    await server.exited;
    await mongod.stop({ doCleanup: false });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers 503 within two seconds while MongoDB is away for 10 s, and recovers by itself', async () => {
    const pre = await runLoad({ base, durationMs: 3_000, concurrency: 8, tag: 'pre' });
    const before = summarize(pre.samples);
    expect(before.serverErrors + before.unavailable + before.noReply).toBe(0);

    await mongod.stop({ doCleanup: false });
    const outageStarted = Date.now();
    const [during, readiness] = await Promise.all([
      runLoad({ base, durationMs: 10_000, concurrency: 8, tag: 'out' }),
      (async () => {
        await sleep(2_000);
        return { ready: await status(`${base}/health/ready`), live: await status(`${base}/health/live`) };
      })(),
    ]);
    const outage = summarize(during.samples);
    console.log(`outage (${Date.now() - outageStarted} ms):`, JSON.stringify(outage));

    expect(readiness).toEqual({ ready: 503, live: 200 });
    expect(outage.unavailable).toBeGreaterThan(0);
    expect(outage.serverErrors).toBe(0); // no 500s
    expect(outage.noReply).toBe(0); // no hang, no crash
    expect(outage.slowestFailureMs).toBeLessThan(2_000);
    expect(server.child.exitCode).toBeNull();

    await mongod.start(true); // same port, same data
    const recoveredIn = await waitUntil(async () => (await status(`${base}/health/ready`)) === 200, 30_000, 'readiness');
    console.log(`ready again ${recoveredIn} ms after MongoDB came back`);

    const after = summarize((await runLoad({ base, durationMs: 3_000, concurrency: 8, tag: 'post' })).samples);
    console.log('after:', JSON.stringify(after));
    expect(after.serverErrors + after.unavailable + after.noReply).toBe(0);
    // What was acknowledged before the outage is still there.
    const someone = pre.acknowledgedSignups[0]!;
    const signin = await fetch(`${base}/api/auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: someone, password: 'reliability-password' }),
    });
    expect(signin.status).toBe(200);
    expect(server.output()).not.toContain('unhandled error');
  });
});
