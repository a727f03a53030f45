import { MongoClient } from 'mongodb';
import { MongoMemoryReplSet } from 'mongodb-memory-server';
import { stopAll, type Running } from '../helpers/process';
import { rssMb, runLoad, status, summarize, waitUntil } from './load';
import { startService } from './service';

const DURATION_MS = Number(process.env.LOAD_DURATION_MS ?? 60_000);
const CONNECTIONS = 64;

describe('sustained load', () => {
  let replSet: MongoMemoryReplSet;
  let server: Running;
  let base: string;

  beforeAll(async () => {
    replSet = await MongoMemoryReplSet.create({ replSet: { count: 1, storageEngine: 'wiredTiger' } });
    // Readiness by /health/ready: LOAD_LOG_LEVEL may hide the "listening" line.
    ({ server, base } = await startService(
      replSet.getUri('auth'),
      {
        ...(process.env.LOAD_LOG_LEVEL ? { LOG_LEVEL: process.env.LOAD_LOG_LEVEL } : {}),
        // Uncapped, V8 grows its heap lazily under load (seen here: RSS 139 -> 359 MB in 150 s,
        // still serving); with the old generation capped, a leak would end in an out-of-memory
        // crash instead, so a capped run that stays up and flat shows there is none. `npm start`
        // caps it too, at 160 MB.
        NODE_OPTIONS: process.env.LOAD_NODE_OPTIONS ?? '--max-old-space-size=160',
      },
      (_server, url) => waitUntil(async () => (await status(`${url}/health/ready`)) === 200, 90_000, 'readiness'),
    ));
  });

  afterAll(async () => {
    stopAll();
    await server.exited;
    await replSet.stop();
  });

  it(`serves ${DURATION_MS / 1000} s of mixed traffic at ${CONNECTIONS} connections: no 5xx, every write readable, memory flat`, async () => {
    const pid = server.child.pid!;
    const memory: { at: number; mb: number }[] = [];
    const started = Date.now();
    const sampler = setInterval(() => memory.push({ at: Date.now() - started, mb: rssMb(pid) }), 1_000);
    let load;
    try {
      load = await runLoad({ base, durationMs: DURATION_MS, concurrency: CONNECTIONS, tag: 'load' });
    } finally {
      clearInterval(sampler);
    }
    if (server.child.exitCode !== null) {
      throw new Error(`the service exited (${server.child.exitCode}) during the load:\n${server.output().slice(-3_000)}`);
    }

    const stats = summarize(load.samples);
    const curve = memory.filter((_, i) => i % 10 === 0).map((m) => `${Math.round(m.at / 1000)}s:${m.mb.toFixed(0)}`);
    console.log(`RSS over time (MB): ${curve.join(' ')}`);
    const rps = Math.round(stats.total / (DURATION_MS / 1000));
    // Memory: the second sixth of the run (after warm-up) against the last sixth.
    const window = (from: number, to: number) => {
      const xs = memory.filter((m) => m.at >= from * DURATION_MS && m.at < to * DURATION_MS).map((m) => m.mb);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    const early = window(1 / 6, 2 / 6);
    const late = window(5 / 6, 1);
    console.log(
      `load: ${stats.total} requests (${rps}/s), statuses ${JSON.stringify(stats.byStatus)}, ` +
        `${load.acknowledgedSignups.length} sign-ups; RSS ${early.toFixed(0)} MB -> ${late.toFixed(0)} MB, ` +
        `peak ${Math.max(...memory.map((m) => m.mb)).toFixed(0)} MB`,
    );

    expect(stats.serverErrors + stats.unavailable + stats.noReply).toBe(0);
    expect(Object.keys(stats.byStatus)).toEqual(['200']);
    expect(late).toBeLessThan(early * 1.25 + 10); // no upward trend beyond noise

    const client = await MongoClient.connect(replSet.getUri());
    try {
      const keys = load.acknowledgedSignups.map((u) => u.toLowerCase());
      expect(await client.db('auth').collection('users').countDocuments({ usernameKey: { $in: keys } })).toBe(keys.length);
    } finally {
      await client.close();
    }
  });
});
