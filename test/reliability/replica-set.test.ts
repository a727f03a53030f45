import { MongoClient } from 'mongodb';
import { MongoMemoryReplSet } from 'mongodb-memory-server';
import { stopAll, type Running } from '../helpers/process';
import { runLoad, sleep, summarize } from './load';
import { startService } from './service';

describe('three-member replica set', () => {
  let replSet: MongoMemoryReplSet;
  let server: Running;
  let base: string;
  let client: MongoClient;

  beforeAll(async () => {
    replSet = await MongoMemoryReplSet.create({
      replSet: {
        count: 3,
        storageEngine: 'wiredTiger',
        configSettings: { electionTimeoutMillis: 2_000, heartbeatIntervalMillis: 500 },
      },
    });
    ({ server, base } = await startService(replSet.getUri('auth')));
    client = await MongoClient.connect(replSet.getUri());
  });

  afterAll(async () => {
    stopAll();
    await server.exited;
    await client.close();
    await replSet.stop();
  });

  async function primaryPort(): Promise<string | undefined> {
    const hello = await client.db('admin').command({ hello: 1 });
    return typeof hello.primary === 'string' ? hello.primary : undefined;
  }

  it('survives a primary step-down under load: acknowledged writes kept, errors bounded, recovery without restart', async () => {
    const primaryBefore = await primaryPort();
    const loadStarted = Date.now();
    const [load] = await Promise.all([
      runLoad({ base, durationMs: 20_000, concurrency: 8, tag: 'rs' }),
      (async () => {
        await sleep(5_000);
        // Step the primary down; its connections close, so the command itself fails.
        await client.db('admin').command({ replSetStepDown: 30, secondaryCatchUpPeriodSecs: 5 }).catch(() => undefined);
      })(),
    ]);

    const all = summarize(load.samples);
    const lastFive = summarize(load.samples.filter((s) => s.at > loadStarted + 15_000));
    const primaryAfter = await primaryPort();
    console.log(
      `primary ${primaryBefore} -> ${primaryAfter}; whole run: ${JSON.stringify(all)}; last 5 s: ${JSON.stringify(lastFive)}`,
    );

    expect(primaryAfter).toBeDefined();
    expect(primaryAfter).not.toBe(primaryBefore);
    expect(all.serverErrors).toBe(0); // 503s during the election, never a 500
    expect(all.noReply).toBe(0); // never a hang
    expect(all.errorRate).toBeLessThan(0.2);
    expect(lastFive.total).toBeGreaterThan(0);
    expect(lastFive.errorRate).toBe(0); // recovered, with no restart
    expect(server.child.exitCode).toBeNull();

    // Every sign-up that got a 200 exists (writes are majority-acknowledged).
    const db = client.db('auth');
    const keys = load.acknowledgedSignups.map((u) => u.toLowerCase());
    expect(await db.collection('users').countDocuments({ usernameKey: { $in: keys } })).toBe(keys.length);

    // No session is half-written: each has its user, its sign-in token and a consistent chain.
    const broken = await db
      .collection('refreshtokens')
      .aggregate([
        { $lookup: { from: 'users', localField: 'user', foreignField: '_id', as: 'owner' } },
        {
          $match: {
            $or: [
              { owner: { $size: 0 } },
              { rootHash: { $not: { $type: 'string' } } },
              { expiresAt: { $not: { $type: 'date' } } },
              { 'rotated.hash': { $exists: true, $not: { $type: 'string' } } },
              // A presented generation was issued: it is at most the newest one stored.
              { $expr: { $gt: ['$presentedGeneration', { $ifNull: [{ $max: '$rotated.generation' }, 0] }] } },
            ],
          },
        },
      ])
      .toArray();
    expect(broken).toEqual([]);
  });
});
