import { Types } from 'mongoose';
import request from 'supertest';
import { AuditEvent, AuditHour } from '../../src/models/audit-event.model';
import { createLogger } from '../../src/config/logger';
import { bootstrapData } from '../../src/services/bootstrap.service';
import { createAuditWriter } from '../../src/services/audit';
import { buildApp, type TestApp } from '../helpers/app';
import { manualClock } from '../helpers/clock';
import { createUser, signIn } from '../helpers/factories';
import { codeAt } from '../helpers/totp';

const json = { 'Content-Type': 'application/json' };

/** The events written so far (the writer batches them off the request path). */
async function eventsOf(t: TestApp, filter: Record<string, unknown> = {}) {
  await t.services.auditWriter.flush();
  return AuditEvent.find(filter).sort({ at: 1, _id: 1 }).lean();
}

describe('the audit trail', () => {
  it('records each kind of event with its actor, target and origin, and never a secret', async () => {
    const t = buildApp({ env: { SIGNIN_MAX_FAILURES: '2' } });
    const admin = await createUser({ roles: ['admin'] });
    const adminSession = await signIn(t.app, admin);
    const ua = { 'User-Agent': 'audit-test/1.0' };

    await request(t.app).post('/api/auth/signup').set(ua).send({ username: 'carol', email: 'carol@example.com', password: 'sunny-Meadow-42' }).expect(200);
    const carol = (await AuditEvent.db.collection('users').findOne({ username: 'carol' }))!;
    const carolId = carol._id.toString();
    await request(t.app).post('/api/auth/signin').send({ username: 'carol', password: 'not-her-password' }).expect(401);
    await request(t.app).post('/api/auth/signin').send({ username: 'nobody-here', password: 'whatever-pass' }).expect(404);
    const first = await request(t.app).post('/api/auth/signin').set(ua).send({ username: 'carol', password: 'sunny-Meadow-42' }).expect(200);
    const second = await request(t.app).post('/api/auth/signin').send({ username: 'carol', password: 'sunny-Meadow-42' }).expect(200);
    // A superseded refresh token presented again (after its successor was used): theft.
    const once = await request(t.app).post('/api/auth/refreshtoken').send({ refreshToken: second.body.refreshToken }).expect(200);
    const rotated = await request(t.app).post('/api/auth/refreshtoken').send({ refreshToken: once.body.refreshToken }).expect(200);
    await request(t.app).post('/api/auth/refreshtoken').send({ refreshToken: second.body.refreshToken }).expect(403);
    const third = await request(t.app).post('/api/auth/signin').send({ username: 'carol', password: 'sunny-Meadow-42' }).expect(200);
    await request(t.app).post('/api/auth/signout').send({ refreshToken: third.body.refreshToken }).expect(200);

    const enrol = await request(t.app).post('/api/users/me/mfa/totp').set('x-access-token', first.body.accessToken).send({ currentPassword: 'sunny-Meadow-42' }).expect(200);
    await request(t.app).post('/api/users/me/mfa/totp/verify').set('x-access-token', first.body.accessToken).send({ code: codeAt(enrol.body.secret, t.clock()) }).expect(200);
    const changed = await request(t.app)
      .put('/api/users/me/password')
      .set('x-access-token', first.body.accessToken)
      .set(json)
      .send({ currentPassword: 'sunny-Meadow-42', newPassword: 'quiet-River-77' })
      .expect(200);
    await request(t.app).delete('/api/users/me/sessions').set('x-access-token', changed.body.accessToken).expect(200);
    await request(t.app).post('/api/auth/signout-all').set('x-access-token', changed.body.accessToken).expect(200);

    const asAdmin = (r: request.Test) => r.set('x-access-token', adminSession.accessToken);
    await asAdmin(request(t.app).put(`/api/users/${carolId}/roles`)).send({ roles: ['user', 'moderator'] }).expect(200);
    await asAdmin(request(t.app).delete(`/api/users/${carolId}/mfa`)).expect(200);
    await asAdmin(request(t.app).post(`/api/users/${carolId}/disable`)).expect(200);
    await asAdmin(request(t.app).post(`/api/users/${carolId}/enable`)).expect(200);
    await asAdmin(request(t.app).delete(`/api/users/${carolId}/sessions`)).expect(200);
    await asAdmin(request(t.app).delete(`/api/users/${carolId}`)).expect(200);
    // Throttled: the third wrong guess at one account from one address.
    for (let i = 0; i < 2; i += 1) await request(t.app).post('/api/auth/signin').send({ username: admin.username, password: 'wrong-guess-here' });
    await request(t.app).post('/api/auth/signin').send({ username: admin.username, password: 'wrong-guess-here' }).expect(429);

    const events = await eventsOf(t);
    const byType = (type: string) => events.filter((e) => e.type === type);
    const carolEvent = (type: string) => {
      const found = events.filter((e) => e.type === type && e.user?.toString() === carolId);
      expect(found.length).toBeGreaterThan(0);
      return found[0]!;
    };
    const selfActed = (type: string) => expect(carolEvent(type).actor).toEqual({ kind: 'user', id: carol._id });
    const adminActed = (type: string) => expect(carolEvent(type).actor).toEqual({ kind: 'admin', id: new Types.ObjectId(admin.id) });

    for (const type of ['user_registered', 'signin_succeeded', 'signin_failed', 'refresh_token_reuse', 'signed_out', 'mfa_enabled', 'password_changed', 'signed_out_everywhere']) {
      selfActed(type);
    }
    for (const type of ['roles_changed', 'mfa_reset', 'user_disabled', 'user_enabled', 'user_deleted']) adminActed(type);
    expect(events.filter((e) => e.type === 'session_revoked' && e.user?.toString() === carolId).map((e) => e.actor.kind).sort()).toEqual(['admin', 'user']);

    // Where from: the client, its agent, the request and (when signed in) the session.
    const signin = carolEvent('signin_succeeded');
    expect(signin).toEqual(
      expect.objectContaining({ ip: expect.stringMatching(/127\.0\.0\.1/), userAgent: 'audit-test/1.0', username: 'carol', requestId: expect.any(String), detail: { method: 'password' } }),
    );
    expect(signin.sessionId).toEqual(expect.any(Types.ObjectId));
    expect(carolEvent('signin_failed').detail).toEqual({ reason: 'wrong_password' });
    expect(carolEvent('roles_changed').detail).toEqual({ roles: ['user', 'moderator'] });
    expect(carolEvent('session_revoked').sessionId?.toString()).toBe(JSON.parse(Buffer.from(changed.body.accessToken.split('.')[1], 'base64url').toString()).sid);
    // A name that is no account: the name tried, no target.
    expect(byType('signin_failed').find((e) => e.username === 'nobody-here')).toEqual(
      expect.objectContaining({ actor: { kind: 'user' }, detail: { reason: 'unknown_user' } }),
    );
    expect(byType('signin_failed').find((e) => e.username === 'nobody-here')!.user).toBeUndefined();
    expect(byType('signin_throttled')).toHaveLength(1);
    expect(byType('signin_throttled')[0]).toEqual(expect.objectContaining({ username: admin.username, detail: { code: 'TOO_MANY_FAILED_SIGNINS' } }));

    // Nothing secret anywhere: passwords, tokens, the TOTP secret.
    const stored = JSON.stringify(events);
    for (const secret of [
      'sunny-Meadow-42',
      'quiet-River-77',
      'not-her-password',
      'wrong-guess-here',
      first.body.accessToken,
      first.body.refreshToken,
      second.body.refreshToken,
      rotated.body.refreshToken,
      third.body.refreshToken,
      changed.body.accessToken,
      enrol.body.secret,
    ]) {
      expect(stored).not.toContain(secret);
    }
    expect(events.every((e) => e.expiresAt.getTime() - e.at.getTime() === 90 * 24 * 3_600_000)).toBe(true);
  });

  it('records the creation of the configured admin as the system', async () => {
    const t = buildApp();
    await bootstrapData({ ...t.services, logger: createLogger({ level: 'silent' }) }, {
      username: 'root-admin',
      email: 'root@example.com',
      password: 'a-long-admin-password',
    });
    const [created] = await eventsOf(t, { type: 'admin_created' });
    expect(created).toEqual(expect.objectContaining({ actor: { kind: 'system' }, username: 'root-admin', user: expect.any(Types.ObjectId) }));
  });

  it('is not written with AUDIT_ENABLED=false (the events are still logged)', async () => {
    const t = buildApp({ env: { AUDIT_ENABLED: 'false' } });
    const user = await createUser();
    await signIn(t.app, user);
    expect(await eventsOf(t, { user: user.id })).toEqual([]);
  });

  it('never fails or holds a request when MongoDB refuses the audit write, and writes the events later', async () => {
    const t = buildApp();
    const user = await createUser();
    const original = AuditEvent.collection.insertMany.bind(AuditEvent.collection);
    let refusals = 0;
    // Refuses the first batch holding this user's event (other tests' writers may flush meanwhile).
    const insert = jest.spyOn(AuditEvent.collection, 'insertMany').mockImplementation((docs, options) => {
      if (refusals === 0 && docs.some((d) => String(d.user) === user.id)) {
        refusals += 1;
        return Promise.reject(new Error('audit store down'));
      }
      return original(docs, options);
    });
    try {
      await signIn(t.app, user);
      await t.services.auditWriter.flush(); // fails, keeps the event
      expect(refusals).toBe(1);
      expect(await AuditEvent.countDocuments({ user: user.id })).toBe(0);
      await signIn(t.app, user);
      await t.services.auditWriter.flush();
    } finally {
      insert.mockRestore();
    }
    expect(await AuditEvent.countDocuments({ user: user.id, type: 'signin_succeeded' })).toBe(2);
    expect(t.services.auditWriter.dropped).toBe(0);
  });

  it('takes a batch whose insert landed before its reply was lost as written, without duplicates', async () => {
    const writer = createAuditWriter({ logger: createLogger({ level: 'silent' }), retentionDays: 1, flushMs: 60_000 });
    const original = AuditEvent.collection.insertMany.bind(AuditEvent.collection);
    let calls = 0;
    // The first insert lands, then the connection "drops" before the reply.
    const insert = jest.spyOn(AuditEvent.collection, 'insertMany').mockImplementation(async (docs, options) => {
      calls += 1;
      const result = await original(docs, options);
      if (calls === 1) throw new Error('connection reset');
      return result;
    });
    const user = new Types.ObjectId();
    try {
      for (let i = 0; i < 3; i += 1) writer.write({ at: new Date(), type: 'signin_failed', actor: { kind: 'user' }, user });
      await writer.flush(); // failed: queued again
      await writer.flush(); // the retry meets duplicate keys: already written
      await writer.flush(); // nothing left to write
    } finally {
      insert.mockRestore();
    }
    expect(calls).toBe(2);
    expect(await AuditEvent.countDocuments({ user })).toBe(3);
    expect(writer.dropped).toBe(0);
  });

  it('bounds its queue while MongoDB is away, counting what it drops', async () => {
    const writer = createAuditWriter({ logger: createLogger({ level: 'silent' }), retentionDays: 1, maxQueue: 3, flushMs: 60_000 });
    const insert = jest.spyOn(AuditEvent.collection, 'insertMany').mockRejectedValue(new Error('down'));
    try {
      for (let i = 0; i < 5; i += 1) writer.write({ at: new Date(), type: 'signin_failed', actor: { kind: 'user' } });
      expect(writer.dropped).toBe(2);
      await writer.flush();
      expect(writer.dropped).toBe(2);
    } finally {
      insert.mockRestore();
    }
    await writer.flush();
    expect(await AuditEvent.countDocuments({})).toBe(3);
  });
});

describe('reading the audit trail', () => {
  it("shows a user their own events, newest first, a page at a time", async () => {
    const t = buildApp();
    const user = await createUser();
    const other = await createUser();
    for (let i = 0; i < 3; i += 1) {
      await signIn(t.app, user);
      t.clock.advance(1000);
    }
    await signIn(t.app, other);
    const { accessToken } = await signIn(t.app, user);
    await t.services.auditWriter.flush();

    const page1 = await request(t.app).get('/api/users/me/activity?limit=3').set('x-access-token', accessToken).expect(200);
    expect(page1.body.events).toHaveLength(3);
    expect(page1.body.events.every((e: { userId: string }) => e.userId === user.id)).toBe(true);
    expect(page1.body.events[0]).toEqual(
      expect.objectContaining({ type: 'signin_succeeded', actor: { kind: 'user', id: user.id }, detail: { method: 'password' } }),
    );
    const page2 = await request(t.app).get(`/api/users/me/activity?limit=3&cursor=${page1.body.nextCursor}`).set('x-access-token', accessToken).expect(200);
    expect(page2.body.events).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    const times = [...page1.body.events, ...page2.body.events].map((e: { at: string }) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('lets admins filter by user, type and time, and refuses everyone else', async () => {
    const t = buildApp();
    const admin = await createUser({ roles: ['admin'] });
    const user = await createUser();
    const start = t.clock();
    await request(t.app).post('/api/auth/signin').send({ username: user.username, password: 'wrong-password-1' }).expect(401);
    t.clock.advance(60_000);
    await signIn(t.app, user);
    t.clock.advance(60_000);
    const { accessToken } = await signIn(t.app, admin);
    await t.services.auditWriter.flush();
    const audit = (query: string) => request(t.app).get(`/api/audit?${query}`).set('x-access-token', accessToken);

    const all = await audit('').expect(200);
    expect(all.body.events.map((e: { type: string }) => e.type)).toEqual(['signin_succeeded', 'signin_succeeded', 'signin_failed']);
    const failed = await audit(`user=${user.id.toUpperCase()}&type=signin_failed`).expect(200);
    expect(failed.body.events).toEqual([expect.objectContaining({ type: 'signin_failed', userId: user.id, username: user.username })]);
    const window = await audit(`from=${new Date(start + 30_000).toISOString()}&to=${new Date(start + 90_000).toISOString()}`).expect(200);
    expect(window.body.events).toEqual([expect.objectContaining({ type: 'signin_succeeded', userId: user.id })]);

    expect((await audit('type=not_a_type')).status).toBe(400);
    expect((await audit('user=nope')).status).toBe(400);
    expect((await audit(`from=${new Date(start).toISOString()}&to=${new Date(start - 1).toISOString()}`)).status).toBe(400);
    expect((await audit('cursor=garbage')).status).toBe(400);
    const plain = await signIn(t.app, user);
    const refused = await request(t.app).get('/api/audit').set('x-access-token', plain.accessToken);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('Require Admin Role!');
  });

  it('reads every filter from an index in order, examining about a page of keys among 30,000 events', async () => {
    const users = Array.from({ length: 100 }, () => new Types.ObjectId());
    const types = ['signin_succeeded', 'signin_failed', 'signed_out'];
    const base = Date.UTC(2026, 0, 1);
    await AuditEvent.insertMany(
      Array.from({ length: 30_000 }, (_, i) => ({
        at: new Date(base + i * 1000),
        type: types[i % 3],
        actor: { kind: 'user', id: users[i % 100] },
        user: users[i % 100],
        expiresAt: new Date(base + 1e12),
      })),
      { lean: true },
    );
    const filters: Record<string, unknown>[] = [
      {},
      { user: users[3] },
      { type: 'signin_failed' },
      { user: users[3], type: 'signin_failed' },
      { at: { $gte: new Date(base + 5_000_000), $lt: new Date(base + 6_000_000) } },
      { user: users[3], at: { $gte: new Date(base + 5_000_000) } },
      { type: 'signed_out', at: { $lt: new Date(base + 6_000_000) } },
    ];
    for (const filter of filters) {
      const plan = (await AuditEvent.find(filter).sort({ at: -1, _id: -1 }).limit(51).explain('executionStats')) as unknown as {
        executionStats: { totalKeysExamined: number; nReturned: number };
        queryPlanner: { winningPlan: unknown };
      };
      const winning = JSON.stringify(plan.queryPlanner.winningPlan);
      expect(winning).toContain('IXSCAN');
      expect(winning).not.toContain('"stage":"SORT"');
      // user + type without its own index would walk the user's events of every type.
      expect(plan.executionStats.totalKeysExamined).toBeLessThanOrEqual(52);
      expect(plan.executionStats.nReturned).toBe(51);
    }
  }, 60_000);

  it('counts sign-ins, failed and throttled sign-ins per hour for the chart', async () => {
    // An hour of its own, so that other tests' events cannot land in its buckets.
    const clock = manualClock(Date.UTC(2031, 4, 6, 10, 30));
    const t = buildApp({ clock, env: { SIGNIN_MAX_FAILURES: '1' } });
    const admin = await createUser({ roles: ['admin'] });
    const user = await createUser();
    clock.advance(-2 * 3_600_000); // 08:30
    await request(t.app).post('/api/auth/signin').send({ username: user.username, password: 'wrong-password-1' }).expect(401);
    await request(t.app).post('/api/auth/signin').send({ username: user.username, password: 'wrong-password-1' }).expect(429);
    clock.advance(2 * 3_600_000); // 10:30
    await signIn(t.app, user);
    const { accessToken } = await signIn(t.app, admin);
    await t.services.auditWriter.flush();

    const day = await request(t.app).get('/api/audit/signins').set('x-access-token', accessToken).expect(200);
    expect(day.body.hours).toHaveLength(24);
    expect(day.body.to).toBe('2031-05-06T11:00:00.000Z');
    expect(day.body.hours.at(-1)).toEqual({ hour: '2031-05-06T10:00:00.000Z', signins: 2, failed: 0, throttled: 0 });
    expect(day.body.hours.at(-3)).toEqual({ hour: '2031-05-06T08:00:00.000Z', signins: 0, failed: 1, throttled: 1 });
    expect(day.body.hours.slice(0, -3).every((h: { signins: number; failed: number }) => h.signins + h.failed === 0)).toBe(true);

    const week = await request(t.app).get('/api/audit/signins?window=week').set('x-access-token', accessToken).expect(200);
    expect(week.body.hours).toHaveLength(168);
    expect(week.body.from).toBe('2031-04-29T11:00:00.000Z');
    expect((await request(t.app).get('/api/audit/signins?window=year').set('x-access-token', accessToken)).status).toBe(400);
    expect(await AuditHour.countDocuments({ hour: new Date('2031-05-06T10:00:00Z') })).toBe(1);
  });
});

describe('admin session management', () => {
  it("lists a user's sessions and ends one or all of them", async () => {
    const t = buildApp();
    const admin = await createUser({ roles: ['admin'] });
    const { accessToken } = await signIn(t.app, admin);
    const user = await createUser();
    const a = await signIn(t.app, user);
    await signIn(t.app, user);
    const list = await request(t.app).get(`/api/users/${user.id}/sessions`).set('x-access-token', accessToken).expect(200);
    expect(list.body.sessions).toHaveLength(2);
    expect(list.body.sessions.every((s: { current: boolean }) => !s.current)).toBe(true);

    await request(t.app).delete(`/api/users/${user.id}/sessions/${list.body.sessions[0].id}`).set('x-access-token', accessToken).expect(200);
    await request(t.app).delete(`/api/users/${admin.id}/sessions/${list.body.sessions[1].id}`).set('x-access-token', accessToken).expect(404);
    const all = await request(t.app).delete(`/api/users/${user.id}/sessions`).set('x-access-token', accessToken).expect(200);
    expect(all.body.revokedSessions).toBe(1);
    await request(t.app).post('/api/auth/refreshtoken').send({ refreshToken: a.refreshToken }).expect(403);
    await request(t.app).get('/api/users/0123456789abcdef01234567/sessions').set('x-access-token', accessToken).expect(404);
  });
});
