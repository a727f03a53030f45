import { Types } from 'mongoose';
import request from 'supertest';
import { RefreshToken } from '../../src/models/refresh-token.model';
import { buildApp } from '../helpers/app';
import { createUser, signIn } from '../helpers/factories';
import { captureLogs } from '../helpers/logs';

const REFRESH = '/api/auth/refreshtoken';
const SIGNOUT = '/api/auth/signout';

describe('refresh-token rotation', () => {
  it('returns a new refresh token at every refresh, and each one works', async () => {
    const { app } = buildApp();
    const session = await signIn(app, await createUser());
    let token = session.refreshToken;
    const seen = new Set([token]);
    for (let i = 0; i < 3; i += 1) {
      const res = await request(app).post(REFRESH).send({ refreshToken: token }).expect(200);
      expect(seen.has(res.body.refreshToken)).toBe(false);
      seen.add(res.body.refreshToken);
      await request(app).get('/api/test/user').set('x-access-token', res.body.accessToken).expect(200);
      token = res.body.refreshToken;
    }
    const [family] = await RefreshToken.find().lean();
    expect(family!.presentedGeneration).toBe(2);
    expect(family!.rotated.map((t) => t.generation)).toEqual([1, 2, 3]);
  });

  it('keeps a client that always presents its sign-in token working (three refreshes in a row)', async () => {
    const { app } = buildApp();
    const session = await signIn(app, await createUser());
    for (let i = 0; i < 3; i += 1) {
      const res = await request(app).post(REFRESH).send({ refreshToken: session.refreshToken });
      expect(res.status).toBe(200);
      await request(app).get('/api/test/user').set('x-access-token', res.body.accessToken).expect(200);
    }
    expect((await RefreshToken.findOne().lean())!.revokedAt).toBeNull();
  });

  it('catches a rotating client\'s superseded token being reused, revokes the session and logs it', async () => {
    const logs = captureLogs('info');
    const { app } = buildApp({ logger: logs.logger });
    const user = await createUser();
    const t0 = (await signIn(app, user)).refreshToken;
    const t1 = (await request(app).post(REFRESH).send({ refreshToken: t0 }).expect(200)).body.refreshToken;
    // t0 stays valid until a token issued from it (t1) is itself presented.
    const t2 = (await request(app).post(REFRESH).send({ refreshToken: t1 }).expect(200)).body.refreshToken;

    const stolen = await request(app).post(REFRESH).set('User-Agent', 'thief/1.0').send({ refreshToken: t0 });
    expect(stolen.status).toBe(403);
    expect(stolen.body.code).toBe('REFRESH_TOKEN_REUSED');

    // Every token of that sign-in is dead now, the newest included.
    const legit = await request(app).post(REFRESH).send({ refreshToken: t2 });
    expect(legit.status).toBe(403);
    expect(legit.body.code).toBe('REFRESH_TOKEN_REVOKED');

    const family = await RefreshToken.findOne().lean();
    expect(family!.revokedAt).toBeInstanceOf(Date);
    expect(family!.revokedReason).toBe('reuse');

    const event = logs.entries().find((e) => e.event === 'refresh_token_reuse');
    expect(event).toMatchObject({ level: 40, userId: user.id, sessionId: family!._id.toString(), userAgent: 'thief/1.0' });
    expect(logs.text()).not.toContain(t0);
  });

  it('treats any earlier-generation token as superseded once a later one is presented', async () => {
    const { app } = buildApp();
    const t0 = (await signIn(app, await createUser())).refreshToken;
    const t1 = (await request(app).post(REFRESH).send({ refreshToken: t0 }).expect(200)).body.refreshToken;
    // t1 may be presented more than once while nothing newer has been presented.
    const t2 = (await request(app).post(REFRESH).send({ refreshToken: t1 }).expect(200)).body.refreshToken;
    await request(app).post(REFRESH).send({ refreshToken: t1 }).expect(200);
    await request(app).post(REFRESH).send({ refreshToken: t2 }).expect(200);

    const res = await request(app).post(REFRESH).send({ refreshToken: t1 });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('REFRESH_TOKEN_REUSED');
  });

  it('survives 20 concurrent refreshes with one token: no 500, and the session keeps working', async () => {
    const { app } = buildApp();
    const server = app.listen(0);
    try {
      const t0 = (await signIn(app, await createUser())).refreshToken;
      const replies = await Promise.all(
        Array.from({ length: 20 }, () => request(server).post(REFRESH).send({ refreshToken: t0 })),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(new Set(replies.map((r) => r.body.refreshToken)).size).toBe(20);

      // Whichever reply the client kept, it can go on rotating.
      const kept = replies[7]!.body.refreshToken;
      const next = await request(server).post(REFRESH).send({ refreshToken: kept }).expect(200);
      await request(server).post(REFRESH).send({ refreshToken: next.body.refreshToken }).expect(200);
      const family = await RefreshToken.findOne().lean();
      expect(family!.revokedAt).toBeNull();
      expect(family!.rotated).toHaveLength(22);
    } finally {
      server.close();
    }
  });

  it('survives 20 concurrent refreshes with a rotated token too', async () => {
    const { app } = buildApp();
    const server = app.listen(0);
    try {
      const t0 = (await signIn(app, await createUser())).refreshToken;
      const t1 = (await request(server).post(REFRESH).send({ refreshToken: t0 }).expect(200)).body.refreshToken;
      const replies = await Promise.all(
        Array.from({ length: 20 }, () => request(server).post(REFRESH).send({ refreshToken: t1 })),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect((await RefreshToken.findOne().lean())!.revokedAt).toBeNull();
    } finally {
      server.close();
    }
  });

  it('fixes the expiry at sign-in: rotation does not extend the session', async () => {
    const { app, clock } = buildApp({ env: { JWT_REFRESH_TTL: '60' } });
    const t0 = (await signIn(app, await createUser())).refreshToken;
    clock.advance(50_000);
    const t1 = (await request(app).post(REFRESH).send({ refreshToken: t0 }).expect(200)).body.refreshToken;
    clock.advance(10_000);
    const res = await request(app).post(REFRESH).send({ refreshToken: t1 });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('Refresh token was expired. Please make a new signin request');
    expect(await RefreshToken.countDocuments()).toBe(0);
  });
});

describe('POST /api/auth/signout', () => {
  it('revokes the whole session and says so', async () => {
    const { app } = buildApp();
    const t0 = (await signIn(app, await createUser())).refreshToken;
    const t1 = (await request(app).post(REFRESH).send({ refreshToken: t0 }).expect(200)).body.refreshToken;

    const res = await request(app).post(SIGNOUT).send({ refreshToken: t1 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: "You've been signed out!" });
    for (const token of [t0, t1]) {
      const refused = await request(app).post(REFRESH).send({ refreshToken: token });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('REFRESH_TOKEN_REVOKED');
    }
    expect(await RefreshToken.findOne().lean()).toMatchObject({ revokedReason: 'signout' });
  });

  it('is idempotent, and says nothing about unknown tokens', async () => {
    const { app } = buildApp();
    const t0 = (await signIn(app, await createUser())).refreshToken;
    await request(app).post(SIGNOUT).send({ refreshToken: t0 }).expect(200);
    await request(app).post(SIGNOUT).send({ refreshToken: t0 }).expect(200);
    await request(app).post(SIGNOUT).send({ refreshToken: 'never-issued' }).expect(200);
  });

  it('leaves the user\'s other sessions alone', async () => {
    const { app } = buildApp();
    const user = await createUser();
    const first = await signIn(app, user);
    const second = await signIn(app, user);
    await request(app).post(SIGNOUT).send({ refreshToken: first.refreshToken }).expect(200);
    await request(app).post(REFRESH).send({ refreshToken: second.refreshToken }).expect(200);
  });

  it('needs a refresh token, as a string', async () => {
    const { app } = buildApp();
    const missing = await request(app).post(SIGNOUT).send({});
    expect(missing.status).toBe(403);
    expect(missing.body.message).toBe('Refresh Token is required!');
    const operator = await request(app).post(SIGNOUT).send({ refreshToken: { $ne: null } });
    expect(operator.status).toBe(400);
  });
});

describe('POST /api/auth/signout-all', () => {
  it('revokes every session of the user', async () => {
    const { app } = buildApp();
    const user = await createUser();
    const other = await signIn(app, await createUser());
    const a = await signIn(app, user);
    const b = await signIn(app, user);

    const res = await request(app).post('/api/auth/signout-all').set('x-access-token', a.accessToken);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ message: "You've been signed out!", revokedSessions: 2 });
    for (const token of [a.refreshToken, b.refreshToken]) {
      await request(app).post(REFRESH).send({ refreshToken: token }).expect(403);
    }
    await request(app).post(REFRESH).send({ refreshToken: other.refreshToken }).expect(200);
  });

  it('needs an access token', async () => {
    const { app } = buildApp();
    const res = await request(app).post('/api/auth/signout-all');
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('No token provided!');
  });
});

describe('/api/users/me/sessions', () => {
  async function twoSessions() {
    const built = buildApp();
    const user = await createUser();
    const signin = (agent: string) =>
      request(built.app)
        .post('/api/auth/signin')
        .set('User-Agent', agent)
        .send({ username: user.username, password: user.password })
        .expect(200)
        .then((r) => r.body as { accessToken: string; refreshToken: string });
    const laptop = await signin('Laptop Firefox');
    built.clock.advance(1_000);
    const phone = await signin('Phone Safari');
    return { ...built, user, laptop, phone };
  }

  it('lists the active sessions, newest use first, marking the current one', async () => {
    const { app, laptop } = await twoSessions();
    const res = await request(app).get('/api/users/me/sessions').set('x-access-token', laptop.accessToken);
    expect(res.status).toBe(200);
    expect(res.body.sessions).toEqual([
      expect.objectContaining({ userAgent: 'Phone Safari', current: false }),
      expect.objectContaining({ userAgent: 'Laptop Firefox', current: true }),
    ]);
    for (const session of res.body.sessions) {
      expect(Object.keys(session).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'signInMethod', 'userAgent']);
      expect(session.signInMethod).toBe('password');
      expect(session.ip).toMatch(/127\.0\.0\.1/);
    }
  });

  it('records the last use at refresh, and keeps marking the session current after it', async () => {
    const { app, clock, laptop } = await twoSessions();
    clock.advance(60_000);
    const refreshed = await request(app).post(REFRESH).send({ refreshToken: laptop.refreshToken }).expect(200);
    const res = await request(app).get('/api/users/me/sessions').set('x-access-token', refreshed.body.accessToken);
    expect(res.body.sessions[0]).toMatchObject({ userAgent: 'Laptop Firefox', current: true });
    expect(new Date(res.body.sessions[0].lastUsedAt).getTime()).toBe(clock());
  });

  it('revokes one session by id', async () => {
    const { app, laptop, phone } = await twoSessions();
    const list = await request(app).get('/api/users/me/sessions').set('x-access-token', laptop.accessToken);
    const phoneId = list.body.sessions.find((s: { current: boolean }) => !s.current).id;

    await request(app).delete(`/api/users/me/sessions/${phoneId}`).set('x-access-token', laptop.accessToken).expect(200);
    await request(app).post(REFRESH).send({ refreshToken: phone.refreshToken }).expect(403);
    await request(app).post(REFRESH).send({ refreshToken: laptop.refreshToken }).expect(200);
    const after = await request(app).get('/api/users/me/sessions').set('x-access-token', laptop.accessToken);
    expect(after.body.sessions).toHaveLength(1);
    // Revoking it again is harmless.
    await request(app).delete(`/api/users/me/sessions/${phoneId}`).set('x-access-token', laptop.accessToken).expect(200);
  });

  it('does not let a user revoke someone else\'s session', async () => {
    const { app, laptop } = await twoSessions();
    const stranger = await signIn(app, await createUser());
    const theirs = await request(app).get('/api/users/me/sessions').set('x-access-token', stranger.accessToken);
    const res = await request(app)
      .delete(`/api/users/me/sessions/${theirs.body.sessions[0].id}`)
      .set('x-access-token', laptop.accessToken);
    expect(res.status).toBe(404);
    await request(app).post(REFRESH).send({ refreshToken: stranger.refreshToken }).expect(200);
  });

  it('replies 400 to a malformed session id and 404 to an unknown one', async () => {
    const { app, laptop } = await twoSessions();
    const bad = await request(app).delete('/api/users/me/sessions/not-an-id').set('x-access-token', laptop.accessToken);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('params.sessionId');
    await request(app)
      .delete('/api/users/me/sessions/64b7f0c2a1b2c3d4e5f60718')
      .set('x-access-token', laptop.accessToken)
      .expect(404);
  });

  it('revokes every other session, keeping the current one', async () => {
    const { app, laptop, phone } = await twoSessions();
    const res = await request(app).delete('/api/users/me/sessions').set('x-access-token', laptop.accessToken);
    expect(res.status).toBe(200);
    expect(res.body.revokedSessions).toBe(1);
    await request(app).post(REFRESH).send({ refreshToken: phone.refreshToken }).expect(403);
    await request(app).post(REFRESH).send({ refreshToken: laptop.refreshToken }).expect(200);
  });

  it('needs an access token', async () => {
    const { app } = buildApp();
    await request(app).get('/api/users/me/sessions').expect(403);
  });
});

describe('sessions are bounded', () => {
  /** Sessions inserted straight into the database, as years of sign-ins would leave them. */
  async function insertSessions(userId: string, count: number, now: number) {
    const batch = 10_000;
    for (let start = 0; start < count; start += batch) {
      const docs = Array.from({ length: Math.min(batch, count - start) }, (_, i) => ({
        user: new Types.ObjectId(userId),
        rootHash: `seeded-${userId}-${start + i}`,
        rotated: [],
        presentedGeneration: 0,
        expiresAt: new Date(now + 86_400_000),
        lastUsedAt: new Date(now - 1_000_000 + start + i),
        createdAt: new Date(now - 1_000_000),
        revokedAt: null,
      }));
      await RefreshToken.collection.insertMany(docs, { ordered: false });
    }
  }

  it('ends the least recently used session when a sign-in goes beyond MAX_SESSIONS_PER_USER', async () => {
    const { app, clock } = buildApp({ env: { MAX_SESSIONS_PER_USER: '3' } });
    const user = await createUser();
    const sessions = [];
    for (let i = 0; i < 3; i += 1) {
      sessions.push(await signIn(app, user));
      clock.advance(1_000);
    }
    // The oldest is used again, so the second is now the least recently used.
    await request(app).post(REFRESH).send({ refreshToken: sessions[0]!.refreshToken }).expect(200);
    clock.advance(1_000);
    await signIn(app, user);

    expect(await RefreshToken.countDocuments({ user: user.id, revokedAt: null })).toBe(3);
    await request(app).post(REFRESH).send({ refreshToken: sessions[1]!.refreshToken }).expect(403);
    const ended = await RefreshToken.findOne({ user: user.id, revokedAt: { $ne: null } }).lean();
    expect(ended?.revokedReason).toBe('session_limit');
  });

  it('holds the cap under 30 concurrent sign-ins', async () => {
    // Every sign-in in flight holds a point of the failure limit until it succeeds: room for 30.
    const { app } = buildApp({ env: { MAX_SESSIONS_PER_USER: '5', HASH_QUEUE_PER_CLIENT: '64', SIGNIN_MAX_FAILURES: '64' } });
    const user = await createUser();
    await Promise.all(Array.from({ length: 30 }, () => signIn(app, user)));
    // Sign-ins that overlap may each see the others' sessions or not; the next one settles it.
    await signIn(app, user);
    expect(await RefreshToken.countDocuments({ user: user.id, revokedAt: null })).toBeLessThanOrEqual(5);
  });

  it('trims a user with 100,000 sessions in batches, and pages their list with a bounded reply', async () => {
    const { app, clock } = buildApp({ env: { MAX_SESSIONS_PER_USER: '100' } });
    const user = await createUser();
    await insertSessions(user.id, 100_000, clock());
    const session = await signIn(app, user);

    // One page: the limit's worth, never the whole set.
    const started = Date.now();
    const first = await request(app).get('/api/users/me/sessions?limit=100').set('x-access-token', session.accessToken).expect(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(first.body.sessions).toHaveLength(100);
    expect(first.body.sessions[0].current).toBe(true);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(first.text.length).toBeLessThan(100 * 400);

    // Each sign-in ends up to a batch of the excess, oldest first.
    expect(await RefreshToken.countDocuments({ user: user.id, revokedAt: null })).toBe(100_001 - 1_000);
  }, 120_000);

  it('pages through the sessions with the cursor, most recently used first, without gaps or repeats', async () => {
    const { app, clock } = buildApp();
    const user = await createUser();
    await insertSessions(user.id, 45, clock());
    const session = await signIn(app, user);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await request(app)
        .get('/api/users/me/sessions')
        .query({ limit: 20, ...(cursor ? { cursor } : {}) })
        .set('x-access-token', session.accessToken)
        .expect(200);
      seen.push(...res.body.sessions.map((s: { id: string }) => s.id));
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(46);
    const times = await RefreshToken.find({ _id: { $in: seen } }, { lastUsedAt: 1 }).lean();
    const order = new Map(times.map((t) => [t._id.toString(), t.lastUsedAt.getTime()]));
    const listed = seen.map((id) => order.get(id)!);
    expect([...listed].sort((x, y) => y - x)).toEqual(listed);
  });

  it('reads the list from the index: keys examined stay near the page size with 20,000 sessions', async () => {
    const { clock, services } = buildApp();
    const user = await createUser();
    await insertSessions(user.id, 20_000, clock());
    const filter = { user: new Types.ObjectId(user.id), revokedAt: null, expiresAt: { $gt: new Date(clock()) } };
    const plan = (await RefreshToken.find(filter).sort({ lastUsedAt: -1, _id: -1 }).limit(21).explain('executionStats')) as unknown as {
      executionStats: { totalKeysExamined: number; totalDocsExamined: number };
      queryPlanner: { winningPlan: unknown };
    };
    expect(JSON.stringify(plan.queryPlanner.winningPlan)).toContain('IXSCAN');
    expect(JSON.stringify(plan.queryPlanner.winningPlan)).not.toContain('SORT"');
    expect(plan.executionStats.totalKeysExamined).toBeLessThanOrEqual(22);
    // And the service's own query answers with one page.
    const page = await services.sessions.list(user.id, undefined, { limit: 20 });
    expect(page.sessions).toHaveLength(20);
  }, 60_000);

  it('refuses a cursor it did not make', async () => {
    const { app } = buildApp();
    const session = await signIn(app, await createUser());
    for (const cursor of ['abc', Buffer.from('12.zz').toString('base64url'), '%24ne']) {
      const res = await request(app).get('/api/users/me/sessions').query({ cursor }).set('x-access-token', session.accessToken);
      expect(res.status).toBe(400);
    }
  });
});
