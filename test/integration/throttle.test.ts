import mongoose from 'mongoose';
import request from 'supertest';
import type { Express } from 'express';
import { buildApp } from '../helpers/app';
import { createUser } from '../helpers/factories';

const SIGNIN = '/api/auth/signin';
const attempt = (app: Express, username: string, password: string, ip?: string) => {
  const req = request(app).post(SIGNIN);
  if (ip) void req.set('X-Forwarded-For', ip);
  return req.send({ username, password });
};

function expect429(res: request.Response) {
  expect(res.status).toBe(429);
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(typeof res.body.message).toBe('string');
}

describe('failed sign-in throttling', () => {
  const env = { SIGNIN_MAX_FAILURES: '3' };

  it('blocks a username from an IP after SIGNIN_MAX_FAILURES failures, even with the right password', async () => {
    const { app } = buildApp({ env });
    const user = await createUser();
    for (let i = 0; i < 3; i += 1) await attempt(app, user.username, 'wrong-password').expect(401);

    const res = await attempt(app, user.username, user.password);
    expect429(res);
    expect(res.body.code).toBe('TOO_MANY_FAILED_SIGNINS');
    // The counts are in MongoDB, where every instance sees them.
    expect(await mongoose.connection.collection('rate_limits').countDocuments()).toBeGreaterThan(0);
  });

  it('counts per username: other accounts from the same IP still sign in', async () => {
    const { app } = buildApp({ env });
    const victim = await createUser();
    const other = await createUser();
    for (let i = 0; i < 3; i += 1) await attempt(app, victim.username, 'wrong-password').expect(401);
    await attempt(app, other.username, other.password).expect(200);
  });

  it('counts usernames in any case as one', async () => {
    const { app } = buildApp({ env });
    const user = await createUser({ username: 'Alice' });
    for (const name of ['alice', 'ALICE', 'Alice']) await attempt(app, name, 'wrong-password').expect(401);
    expect429(await attempt(app, 'aLiCe', user.password));
  });

  it('counts unknown usernames too', async () => {
    const { app } = buildApp({ env });
    for (let i = 0; i < 3; i += 1) await attempt(app, 'ghost', 'whatever1').expect(404);
    expect429(await attempt(app, 'ghost', 'whatever1'));
  });

  it('starts counting afresh after a successful sign-in', async () => {
    const { app } = buildApp({ env });
    const user = await createUser();
    for (let i = 0; i < 2; i += 1) await attempt(app, user.username, 'wrong-password').expect(401);
    await attempt(app, user.username, user.password).expect(200);
    for (let i = 0; i < 3; i += 1) await attempt(app, user.username, 'wrong-password').expect(401);
    expect429(await attempt(app, user.username, user.password));
  });

  it('shares the counts between instances of the service', async () => {
    const a = buildApp({ env }).app;
    const b = buildApp({ env }).app;
    const user = await createUser();
    await attempt(a, user.username, 'wrong-password').expect(401);
    await attempt(b, user.username, 'wrong-password').expect(401);
    await attempt(a, user.username, 'wrong-password').expect(401);
    expect429(await attempt(b, user.username, user.password));
  });

  it('lets the user in again once the window has passed', async () => {
    const { app } = buildApp({ env: { ...env, AUTH_RATE_WINDOW_SECONDS: '1' } });
    const user = await createUser();
    for (let i = 0; i < 3; i += 1) await attempt(app, user.username, 'wrong-password').expect(401);
    expect429(await attempt(app, user.username, user.password));
    await new Promise((r) => setTimeout(r, 1_100));
    await attempt(app, user.username, user.password).expect(200);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY says who may set it', async () => {
    const untrusted = buildApp({ env }).app;
    const user = await createUser();
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) await attempt(untrusted, user.username, 'nope-nope', ip).expect(401);
    // A forged header does not buy new attempts: all of these came from one socket address.
    expect429(await attempt(untrusted, user.username, user.password, '10.0.0.4'));

    const behindProxy = buildApp({ env: { ...env, TRUST_PROXY: 'loopback' } }).app;
    const other = await createUser();
    for (let i = 0; i < 3; i += 1) await attempt(behindProxy, other.username, 'nope-nope', '203.0.113.7').expect(401);
    expect429(await attempt(behindProxy, other.username, other.password, '203.0.113.7'));
    await attempt(behindProxy, other.username, other.password, '198.51.100.9').expect(200);
  });
});

describe('requests per IP on /api/auth', () => {
  const env = { AUTH_MAX_REQUESTS_PER_IP: '4' };

  it('replies 429 with Retry-After past AUTH_MAX_REQUESTS_PER_IP sign-ups and sign-ins, counted across instances', async () => {
    const a = buildApp({ env }).app;
    const b = buildApp({ env }).app;
    await request(a).post('/api/auth/signup').send({}).expect(400);
    await request(b).post('/api/auth/signup').send({}).expect(400);
    await request(a).post(SIGNIN).send({}).expect(400);
    await request(b).post(SIGNIN).send({}).expect(400);
    const res = await request(a).post(SIGNIN).send({});
    expect429(res);
    expect(res.body.code).toBe('TOO_MANY_REQUESTS');
    expect(await mongoose.connection.collection('rate_limits').countDocuments({ key: /^auth_ip:/ })).toBe(1);
    // Only /api/auth is limited.
    await request(a).get('/api/test/all').expect(200);
  });

  it('limits refreshes and sign-outs per instance, in memory, and apart from sign-ins', async () => {
    const { app } = buildApp({ env });
    for (let i = 0; i < 2; i += 1) {
      await request(app).post('/api/auth/refreshtoken').send({ refreshToken: 'unknown' }).expect(403);
      await request(app).post('/api/auth/signout').send({ refreshToken: 'unknown' }).expect(200);
    }
    const res = await request(app).post('/api/auth/refreshtoken').send({ refreshToken: 'unknown' });
    expect429(res);
    expect(res.body.code).toBe('TOO_MANY_REQUESTS');
    // No database write for these counts, and sign-in has its own.
    expect(await mongoose.connection.collection('rate_limits').countDocuments({ key: /^auth_ip:/ })).toBe(0);
    await request(app).post(SIGNIN).send({}).expect(400);
  });
});
