import net from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createHttpServer } from '../../src/http-server';
import { FairQueue } from '../../src/services/password/fair-queue';
import { buildApp } from '../helpers/app';
import { createUser, signIn } from '../helpers/factories';
import { captureLogs } from '../helpers/logs';

const SIGNUP = '/api/auth/signup';

describe('password policy at sign-up', () => {
  it.each([
    ['password', 'common'],
    ['12345678', 'common'],
    ['Password1', 'common'],
    ['iloveyou', 'common'],
    ['alice-the-great', 'contains_username'],
    ['ALICE-in-2024x', 'contains_username'],
    ['wonderland-mail', 'contains_email'],
  ])('refuses %s with 400 WEAK_PASSWORD (%s)', async (password, rule) => {
    const { app } = buildApp();
    const res = await request(app).post(SIGNUP).send({ username: 'alice', email: 'wonderland@example.com', password });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'WEAK_PASSWORD', rule, errors: [{ field: 'password' }] });
    expect(res.body.message).toMatch(/^Invalid request: password /);
  });

  it('accepts a password that is none of these', async () => {
    const { app } = buildApp();
    await request(app).post(SIGNUP).send({ username: 'alice', email: 'wonderland@example.com', password: 'violet-kettle-drum' }).expect(200);
  });

  it('raises the minimum length when PASSWORD_MIN_LENGTH says so', async () => {
    const { app } = buildApp({ env: { PASSWORD_MIN_LENGTH: '12' } });
    const res = await request(app).post(SIGNUP).send({ username: 'alice', email: 'alice@example.com', password: 'violet-k9' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'WEAK_PASSWORD', rule: 'min_length' });
  });
});

describe('bounded replies to bad input', () => {
  it('answers a 96 kB body of unknown fields with a small reply naming the first few', async () => {
    const { app } = buildApp();
    const body: Record<string, number> = {};
    for (let i = 0; i < 6_000; i += 1) body[`field${i}`] = i;
    expect(JSON.stringify(body).length).toBeGreaterThan(96 * 1024);
    const started = Date.now();
    const res = await request(app).post(SIGNUP).send(body);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.status).toBe(400);
    expect(res.body.errors.length).toBeLessThanOrEqual(5);
    expect(res.text.length).toBeLessThan(2_000);
  });

  it('answers an array of 20,000 bad roles with a small reply', async () => {
    const { app } = buildApp();
    const res = await request(app)
      .post(SIGNUP)
      .send({ username: 'alice', email: 'alice@example.com', password: 'violet-kettle-drum', roles: Array.from({ length: 20_000 }, () => 1) });
    expect(res.status).toBe(400);
    expect(res.text.length).toBeLessThan(2_000);
  });
});

describe('readiness under a burst', () => {
  it('answers 2,000 concurrent readiness checks from one shared ping, all ready', async () => {
    const { app, services } = buildApp();
    const server = app.listen(0);
    try {
      const ping = jest.spyOn(services.health, 'databaseReady');
      const replies = await Promise.all(Array.from({ length: 2_000 }, () => request(server).get('/health/ready')));
      expect(replies.filter((r) => r.status !== 200)).toHaveLength(0);
      expect(ping).toHaveBeenCalled();
    } finally {
      server.close();
    }
  }, 60_000);
});

describe('slow clients', () => {
  it('closes connections that trickle a body past HTTP_REQUEST_TIMEOUT_MS, and caps connections', async () => {
    const { app } = buildApp();
    const server = createHttpServer(app, { requestTimeoutMs: 1_000, headersTimeoutMs: 500, maxConnections: 50 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const open = (send: string) =>
      new Promise<{ closedAfterMs: number; reply: string }>((resolve) => {
        const started = Date.now();
        let reply = '';
        const socket = net.connect(port, '127.0.0.1', () => socket.write(send));
        socket.on('data', (chunk) => {
          reply += chunk.toString();
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve({ closedAfterMs: Date.now() - started, reply }));
      });
    try {
      const slowBody = 'POST /api/auth/signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"user';
      const slowHeaders = 'GET /api/test/all HTTP/1.1\r\nHost: x\r\n';
      const results = await Promise.all([...Array.from({ length: 20 }, () => open(slowBody)), ...Array.from({ length: 20 }, () => open(slowHeaders))]);
      for (const { closedAfterMs } of results) expect(closedAfterMs).toBeLessThan(8_000);
      // Over the cap, a connection is closed at once.
      const many = Array.from({ length: 60 }, () => open(slowHeaders));
      const closed = await Promise.all(many);
      expect(closed.filter((c) => c.closedAfterMs < 300).length).toBeGreaterThanOrEqual(10);
    } finally {
      server.close();
    }
  }, 30_000);
});

describe('the password-hashing queue', () => {
  it('serves clients in turn and bounds what waits, per client (429) and in all (503)', async () => {
    const order: string[] = [];
    const queue = new FairQueue(1, 6, 4);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const task = (name: string) => async () => {
      await gate;
      order.push(name);
    };
    const flood = ['f1', 'f2', 'f3', 'f4'].map((n) => queue.run('flooder', task(n)));
    await expect(queue.run('flooder', task('f5'))).rejects.toMatchObject({ status: 429 });
    const normal = queue.run('alice', task('a1'));
    const bob = queue.run('bob', task('b1'));
    const carol = queue.run('carol', task('c1'));
    await expect(queue.run('dave', task('d1'))).rejects.toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
    release();
    await Promise.all([...flood, normal, bob, carol]);
    // f1 was running; then each client in turn, not the flooder's backlog first.
    expect(order).toEqual(['f1', 'f2', 'a1', 'b1', 'c1', 'f3', 'f4']);
    expect(queue.size).toBe(0);
  });

  it('lets an ordinary sign-in through while one address floods sign-ups', async () => {
    const { app } = buildApp({ env: { TRUST_PROXY: 'loopback', BCRYPT_ROUNDS: '8', AUTH_MAX_REQUESTS_PER_IP: '100000' } });
    const user = await createUser();
    const flood = Array.from({ length: 200 }, (_, i) =>
      request(app)
        .post(SIGNUP)
        .set('X-Forwarded-For', '198.51.100.66')
        .send({ username: `flood${i}`, email: `flood${i}@example.com`, password: 'violet-kettle-drum' }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await request(app).post('/api/auth/signin').set('X-Forwarded-For', '203.0.113.5').send({ username: user.username, password: user.password }).expect(200);
    const waited = Date.now() - started;
    const replies = await Promise.all(flood);
    const statuses = new Set(replies.map((r) => r.status));
    // The flood was mostly refused at once rather than queued in front of everyone.
    expect(replies.filter((r) => r.status === 429).length).toBeGreaterThan(100);
    expect([...statuses].every((s) => s === 200 || s === 429)).toBe(true);
    expect(waited).toBeLessThan(5_000);
  }, 60_000);
});

describe('security events', () => {
  it('logs failures, throttling, password changes and admin actions as structured event lines, without secrets', async () => {
    const logs = captureLogs('info');
    const { app } = buildApp({ logger: logs.logger, env: { SIGNIN_MAX_FAILURES: '1' } });
    const user = await createUser();
    await request(app).post('/api/auth/signin').send({ username: user.username, password: 'not-the-password' }).expect(401);
    await request(app).post('/api/auth/signin').send({ username: user.username, password: user.password }).expect(429);

    const admin = await createUser({ roles: ['user', 'admin'] });
    const adminSession = await signIn(app, admin);
    const target = await createUser();
    await request(app).put(`/api/users/${target.id}/roles`).set('x-access-token', adminSession.accessToken).send({ roles: ['user', 'moderator'] }).expect(200);
    await request(app).post(`/api/users/${target.id}/disable`).set('x-access-token', adminSession.accessToken).expect(200);
    await request(app).post(`/api/users/${target.id}/enable`).set('x-access-token', adminSession.accessToken).expect(200);
    await request(app).delete(`/api/users/${target.id}`).set('x-access-token', adminSession.accessToken).expect(200);
    await request(app)
      .put('/api/users/me/password')
      .set('x-access-token', adminSession.accessToken)
      .send({ currentPassword: admin.password, newPassword: 'violet-kettle-drum' })
      .expect(200);

    const events = logs.entries().filter((e) => typeof e.event === 'string');
    const byType = (type: string) => events.filter((e) => e.event === type);
    expect(byType('signin_failed')[0]).toMatchObject({ username: user.username, userId: user.id, detail: { reason: 'wrong_password' } });
    expect(byType('signin_throttled')[0]).toMatchObject({ username: user.username, detail: { code: 'TOO_MANY_FAILED_SIGNINS' } });
    expect(byType('roles_changed')[0]).toMatchObject({ userId: target.id, actorId: admin.id, detail: { roles: ['user', 'moderator'] } });
    expect(byType('user_disabled')[0]).toMatchObject({ userId: target.id, actorId: admin.id });
    expect(byType('user_enabled')[0]).toMatchObject({ userId: target.id, actorId: admin.id });
    expect(byType('user_deleted')[0]).toMatchObject({ userId: target.id, actorId: admin.id });
    expect(byType('password_changed')[0]).toMatchObject({ userId: admin.id, detail: { revokedSessions: 1 } });
    const text = logs.text();
    for (const secret of [user.password, admin.password, 'violet-kettle-drum', adminSession.accessToken, adminSession.refreshToken]) {
      expect(text).not.toContain(secret);
    }
  });
});
