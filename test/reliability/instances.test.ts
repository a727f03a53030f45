import { MongoMemoryReplSet } from 'mongodb-memory-server';
import { stopAll, type Running } from '../helpers/process';
import { startService } from './service';

// Two service processes, one database: nothing may depend on which instance a request hits.

async function json(base: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { 'x-access-token': token } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('several instances', () => {
  let replSet: MongoMemoryReplSet;
  const servers: Running[] = [];
  let a: string;
  let b: string;

  beforeAll(async () => {
    replSet = await MongoMemoryReplSet.create({ replSet: { count: 1, storageEngine: 'wiredTiger' } });
    const bases: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const { server, base } = await startService(replSet.getUri('auth'), { SIGNIN_MAX_FAILURES: '3' });
      servers.push(server);
      bases.push(base);
    }
    [a, b] = bases as [string, string];
  });

  afterAll(async () => {
    stopAll();
    await Promise.all(servers.map((s) => s.exited));
    await replSet.stop();
  });

  /** Signs a user up; returns the credentials for sign-in. */
  async function newUser(name: string) {
    const credentials = { username: name, password: 'password-1' };
    expect((await json(a, '/api/auth/signup', { ...credentials, email: `${name}@example.com` })).status).toBe(200);
    return credentials;
  }

  it('refreshes on one instance a session created on the other, and accepts its access tokens', async () => {
    const user = await newUser('roamer');
    const signin = await json(a, '/api/auth/signin', user);
    const refreshed = await json(b, '/api/auth/refreshtoken', { refreshToken: signin.body.refreshToken });
    expect(refreshed.status).toBe(200);
    const board = await fetch(`${b}/api/test/user`, { headers: { 'x-access-token': signin.body.accessToken! } });
    expect(board.status).toBe(200);
  });

  it('sees a sign-out made on the other instance', async () => {
    const user = await newUser('leaver');
    const signin = await json(a, '/api/auth/signin', user);
    expect((await json(a, '/api/auth/signout', { refreshToken: signin.body.refreshToken })).status).toBe(200);
    const refused = await json(b, '/api/auth/refreshtoken', { refreshToken: signin.body.refreshToken });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('REFRESH_TOKEN_REVOKED');
  });

  it('shares the failed sign-in counts', async () => {
    const user = await newUser('guessed');
    for (const base of [a, b, a]) {
      expect((await json(base, '/api/auth/signin', { ...user, password: 'wrong-password' })).status).toBe(401);
    }
    const blocked = await json(b, '/api/auth/signin', user);
    expect(blocked.status).toBe(429);
  });

  it('detects refresh-token reuse across instances', async () => {
    const user = await newUser('stolen');
    const t0 = (await json(a, '/api/auth/signin', user)).body.refreshToken;
    const t1 = (await json(a, '/api/auth/refreshtoken', { refreshToken: t0 })).body.refreshToken;
    const t2 = (await json(b, '/api/auth/refreshtoken', { refreshToken: t1 })).body.refreshToken;
    const reuse = await json(a, '/api/auth/refreshtoken', { refreshToken: t0 });
    expect(reuse.status).toBe(403);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    const after = await json(b, '/api/auth/refreshtoken', { refreshToken: t2 });
    expect(after.body.code).toBe('REFRESH_TOKEN_REVOKED');
  });
});
