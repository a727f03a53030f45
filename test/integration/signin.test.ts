import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent } from 'mongodb';
import mongoose from 'mongoose';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { RefreshToken } from '../../src/models/refresh-token.model';
import { buildApp } from '../helpers/app';
import { createUser, signIn } from '../helpers/factories';

const SIGNIN = '/api/auth/signin';

describe('POST /api/auth/signin', () => {
  it('replies with the profile, the role names and both tokens', async () => {
    const { app } = buildApp();
    const user = await createUser({ username: 'Alice', roles: ['user', 'moderator'] });
    const res = await request(app).post(SIGNIN).send({ username: 'Alice', password: user.password });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: user.id,
      username: 'Alice',
      email: user.email,
      roles: expect.arrayContaining(['ROLE_USER', 'ROLE_MODERATOR']),
      // An extra field: the SPA clients read the others and ignore it.
      emailVerified: false,
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
    });
    expect(res.body.roles).toHaveLength(2);
    expect(res.body).not.toHaveProperty('password');
  });

  it('accepts the username in any case', async () => {
    const { app } = buildApp();
    const user = await createUser({ username: 'Alice' });
    await request(app).post(SIGNIN).send({ username: 'aLiCe', password: user.password }).expect(200);
  });

  it('stores only the SHA-256 of an opaque, high-entropy refresh token, expiring after JWT_REFRESH_TTL', async () => {
    const { app, clock } = buildApp({ env: { JWT_REFRESH_TTL: '600' } });
    const user = await createUser();
    const res = await request(app).post(SIGNIN).send({ username: user.username, password: user.password }).expect(200);
    const token: string = res.body.refreshToken;

    // 32 random bytes in base64url: 256 bits, and not a JWT or anything else with structure.
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await RefreshToken.find().lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.rootHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored[0]!.user.toString()).toBe(user.id);
    expect(stored[0]!.expiresAt.getTime()).toBe(clock() + 600_000);
  });

  it('issues a different refresh token at every sign-in', async () => {
    const { app } = buildApp();
    const user = await createUser();
    const body = { username: user.username, password: user.password };
    const first = await request(app).post(SIGNIN).send(body).expect(200);
    const second = await request(app).post(SIGNIN).send(body).expect(200);
    expect(first.body.refreshToken).not.toBe(second.body.refreshToken);
    expect(await RefreshToken.countDocuments()).toBe(2);
  });

  it('replies 404 "User Not found." for an unknown username', async () => {
    const { app } = buildApp();
    const res = await request(app).post(SIGNIN).send({ username: 'nobody', password: 'whatever1' });
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('User Not found.');
    expect(await RefreshToken.countDocuments()).toBe(0);
  });

  it('replies 401 with accessToken null for a wrong password, and issues nothing', async () => {
    const { app } = buildApp();
    const user = await createUser();
    const res = await request(app).post(SIGNIN).send({ username: user.username, password: 'wrong-password' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ accessToken: null, message: 'Invalid Password!' });
    expect(await RefreshToken.countDocuments()).toBe(0);
  });

  it.each([
    ['an operator object as username', { username: { $ne: null }, password: 'x' }],
    ['an operator object as password', { username: 'alice', password: { $ne: null } }],
    ['a missing password', { username: 'alice' }],
    ['an empty password', { username: 'alice', password: '' }],
    ['a password over 72 bytes', { username: 'alice', password: 'p'.repeat(73) }],
    ['an unknown field', { username: 'alice', password: 'password1', remember: true }],
  ])('replies 400 to %s', async (_label, body) => {
    const { app } = buildApp();
    await createUser({ username: 'alice' });
    const res = await request(app).post(SIGNIN).send(body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(await RefreshToken.countDocuments()).toBe(0);
  });
});

describe('database round trips of a sign-in', () => {
  /**
   * The commands a request sends, and the longest chain of them that had to wait for each
   * other: a command started before another finished does not add to the request's latency.
   */
  async function roundTrips(work: () => Promise<unknown>) {
    const client = mongoose.connection.getClient();
    const started = new Map<number, { name: string; depth: number }>();
    let finishedDepth = 0;
    const onStart = (event: CommandStartedEvent) => {
      if (['hello', 'isMaster', 'endSessions'].includes(event.commandName)) return;
      started.set(event.requestId, { name: event.commandName, depth: finishedDepth + 1 });
    };
    const onEnd = (event: CommandSucceededEvent | CommandFailedEvent) => {
      const command = started.get(event.requestId);
      if (command) finishedDepth = Math.max(finishedDepth, command.depth);
    };
    client.on('commandStarted', onStart);
    client.on('commandSucceeded', onEnd);
    client.on('commandFailed', onEnd);
    try {
      await work();
    } finally {
      client.off('commandStarted', onStart);
      client.off('commandSucceeded', onEnd);
      client.off('commandFailed', onEnd);
    }
    const commands = [...started.values()];
    return { commands: commands.map((c) => c.name), sequential: Math.max(0, ...commands.map((c) => c.depth)) };
  }

  it('waits for at most 3 round trips on the success path, with the limits folded into one', async () => {
    const { app } = buildApp();
    const user = await createUser();
    await signIn(app, user); // roles and indexes warm
    const trips = await roundTrips(() => signIn(app, user));
    expect(trips.sequential).toBeLessThanOrEqual(3);
    // Limits taken (1), the user (1), then at once: the session, the cap's trim, the points
    // given back and the user's last sign-in. The audit event is written later, in a batch.
    expect(trips.commands.filter((name) => name === 'update')).toHaveLength(3);
    expect(trips.commands).not.toContain('aggregate');
    expect(trips.commands).not.toContain('insertMany');
    expect(trips.commands.length).toBeLessThanOrEqual(6);
  });
});
