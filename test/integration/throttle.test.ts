import mongoose from 'mongoose';
import request from 'supertest';
import type { Express } from 'express';
import { COUNTERS_COLLECTION } from '../../src/services/throttle';
import { createLocalCounter } from '../../src/services/throttle/local-counter';
import { addressKey } from '../../src/utils/client-address';
import { buildApp } from '../helpers/app';
import { createUser, signIn } from '../helpers/factories';

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
    expect(await mongoose.connection.collection(COUNTERS_COLLECTION).countDocuments()).toBeGreaterThan(0);
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
    const { app, clock } = buildApp({ env: { ...env, AUTH_RATE_WINDOW_SECONDS: '60' } });
    const user = await createUser();
    for (let i = 0; i < 3; i += 1) await attempt(app, user.username, 'wrong-password').expect(401);
    const refused = await attempt(app, user.username, user.password);
    expect429(refused);
    expect(Number(refused.headers['retry-after'])).toBe(60);
    clock.advance(60_000);
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
    await request(a).post(SIGNIN).send({ username: 'ghost1', password: 'whatever' }).expect(404);
    await request(b).post(SIGNIN).send({ username: 'ghost2', password: 'whatever' }).expect(404);
    const res = await request(a).post(SIGNIN).send({ username: 'ghost3', password: 'whatever' });
    expect429(res);
    expect(res.body.code).toBe('TOO_MANY_REQUESTS');
    expect(await mongoose.connection.collection(COUNTERS_COLLECTION).countDocuments({ _id: /^auth_ip:/ })).toBe(1);
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
    expect(await mongoose.connection.collection(COUNTERS_COLLECTION).countDocuments({ _id: /^auth_ip:/ })).toBe(0);
    await request(app).post(SIGNIN).send({}).expect(400);
  });
});

/** Counts the bcrypt checks the app runs: what a limit must bound, whatever the replies say. */
function countChecks(services: ReturnType<typeof buildApp>['services']) {
  const verify = jest.spyOn(services.passwords, 'verify');
  return () => verify.mock.calls.length;
}

describe('limits under parallel guessing', () => {
  it('checks no more than SIGNIN_MAX_FAILURES of 60 guesses sent at once, the right one among them', async () => {
    // Room in the hashing queue for every guess: the limit alone is under test.
    const { app, services } = buildApp({ env: { SIGNIN_MAX_FAILURES: '10', HASH_QUEUE_PER_CLIENT: '100' } });
    const checks = countChecks(services);
    const user = await createUser();
    const guesses = Array.from({ length: 60 }, (_, i) => (i === 45 ? user.password : `guess-number-${i}`));
    const replies = await Promise.all(guesses.map((password) => attempt(app, user.username, password)));

    expect(checks()).toBeLessThanOrEqual(10);
    expect(replies.filter((r) => r.status !== 429)).toHaveLength(checks());
    for (const reply of replies.filter((r) => r.status === 429)) expect(reply.body.code).toBe('TOO_MANY_FAILED_SIGNINS');
    // Tokens only if the right guess was among the ten that were checked.
    const signedIn = replies.filter((r) => r.status === 200);
    expect(signedIn.length).toBeLessThanOrEqual(1);
  });

  it('checks no more than the limit of 30 guesses at the current password sent at once with a stolen access token', async () => {
    const { app, services } = buildApp({ env: { SIGNIN_MAX_FAILURES: '5', HASH_QUEUE_PER_CLIENT: '100' } });
    const user = await createUser();
    const { accessToken } = await signIn(app, user);
    const checks = countChecks(services);
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        request(app)
          .put('/api/users/me/password')
          .set('x-access-token', accessToken)
          .send({ currentPassword: i === 29 ? user.password : `guess-number-${i}`, newPassword: 'thief-chosen-password' }),
      ),
    );
    expect(checks()).toBeLessThanOrEqual(5);
    expect(replies.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(25);
  });

  it('counts failures per account across addresses, then slows guessing down instead of locking the owner out', async () => {
    const env = {
      TRUST_PROXY: 'loopback',
      SIGNIN_MAX_FAILURES: '9',
      ACCOUNT_MAX_FAILURES: '20',
      ACCOUNT_MAX_DELAY_SECONDS: '8',
      HASH_QUEUE_PER_CLIENT: '100',
    };
    const { app, services, clock } = buildApp({ env });
    const checks = countChecks(services);
    const user = await createUser();
    // 12 addresses, 9 guesses each: under the per-address limit everywhere.
    const replies = await Promise.all(
      Array.from({ length: 108 }, (_, i) => attempt(app, user.username, `guess-number-${i}`, `198.51.100.${i % 12}`)),
    );
    expect(checks()).toBe(20);
    const refused = replies.filter((r) => r.status === 429);
    expect(refused).toHaveLength(88);
    for (const reply of refused) expect(reply.body.code).toBe('ACCOUNT_THROTTLED');

    // Past the limit: one attempt a second, then two, four, up to the maximum delay.
    const newAddress = () => `203.0.113.${Math.floor(Math.random() * 250)}`;
    for (const delay of [1, 2, 4, 8, 8]) {
      const early = await attempt(app, user.username, 'guess-again', newAddress());
      expect429(early);
      expect(Number(early.headers['retry-after'])).toBe(delay);
      clock.advance(delay * 1000);
      await attempt(app, user.username, 'guess-again', newAddress()).expect(401);
    }
    // The owner gets in once the current delay has passed: no hard lockout.
    clock.advance(8_000);
    await attempt(app, user.username, user.password, newAddress()).expect(200);
  });

  it('counts an IPv6 client per /64 and an IPv4 client the same whether or not it is IPv4-mapped', async () => {
    const { app } = buildApp({ env: { TRUST_PROXY: 'loopback', SIGNIN_MAX_FAILURES: '3' } });
    const user = await createUser();
    // Three addresses of one /64 network: one count.
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff::3']) {
      await attempt(app, user.username, 'guess-again', ip).expect(401);
    }
    expect429(await attempt(app, user.username, user.password, '2001:db8:1:2::99'));
    // Another /64 still signs in.
    await attempt(app, user.username, user.password, '2001:db8:1:3::1').expect(200);

    const other = await createUser();
    for (const ip of ['203.0.113.7', '::ffff:203.0.113.7', '203.0.113.7']) {
      await attempt(app, other.username, 'guess-again', ip).expect(401);
    }
    expect429(await attempt(app, other.username, other.password, '::ffff:203.0.113.7'));
  });

  it('keys client addresses canonically', () => {
    expect(addressKey('2001:db8:1:2:3:4:5:6', 64)).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0DB8:0001:0002::7', 64)).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:3:4:5:6', 48)).toBe('2001:db8:1::/48');
    expect(addressKey('::ffff:192.0.2.1', 64)).toBe('192.0.2.1');
    expect(addressKey('192.0.2.1', 64)).toBe('192.0.2.1');
    expect(addressKey(undefined, 64)).toBe('unknown');
  });

  it('takes the per-address request points atomically under a burst', async () => {
    const { app } = buildApp({ env: { AUTH_MAX_REQUESTS_PER_IP: '10' } });
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) => request(app).post(SIGNIN).send({ username: `ghost${i}`, password: 'whatever' })),
    );
    expect(replies.filter((r) => r.status === 404)).toHaveLength(10);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(30);
  });
});

describe('the in-memory limiter', () => {
  it('stays bounded in keys however many addresses it sees', () => {
    let now = 0;
    const counter = createLocalCounter({ limit: 2, windowMs: 60_000, clock: () => now, maxKeys: 100 });
    for (let i = 0; i < 10_000; i += 1) counter.take(`10.0.${i >> 8}.${i & 255}`);
    expect(counter.size).toBeLessThanOrEqual(100);
    // And still limits the addresses it holds.
    expect(counter.take('192.0.2.1')).toBeUndefined();
    expect(counter.take('192.0.2.1')).toBeUndefined();
    expect(counter.take('192.0.2.1')).toBe(60_000);
    now += 60_000;
    expect(counter.take('192.0.2.1')).toBeUndefined();
  });
});
