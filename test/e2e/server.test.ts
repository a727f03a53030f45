import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { User } from '../../src/models/user.model';
import { createUser } from '../helpers/factories';
import { freePort, post, start, stopAll, waitFor } from '../helpers/process';

// These tests run src/server.ts as a real process, the way `npm start` does, against an
// embedded mongod of its own (no MONGODB_URI), so they take a few seconds each.
jest.setTimeout(120_000);

describe('the server process', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'auth-api-e2e-'));
  });
  // A failed test must not leave a server (and its mongod) behind.
  afterEach(stopAll);
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves on an embedded mongod when no MONGODB_URI is set, and keeps accounts across a restart', async () => {
    const port = await freePort();
    const env = { PORT: String(port), MONGODB_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    const user = { username: 'persisted', email: 'persisted@example.com', password: 'password-1' };

    const first = start(env);
    await waitFor(first, 'auth API listening');
    expect(first.output()).toContain(dataDir); // the log says where the data is
    expect(first.output()).toContain('JWT_SECRET is not set');
    expect((await post(port, '/api/auth/signup', user)).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = start(env);
    await waitFor(second, 'auth API listening');
    const signin = await post(port, '/api/auth/signin', { username: user.username, password: user.password });
    expect(signin.status).toBe(200);
    expect(signin.body.roles).toEqual(['ROLE_USER']);
    expect(second.output()).not.toContain(user.password);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('finishes an in-flight request before shutting down on SIGTERM', async () => {
    const port = await freePort();
    // A high bcrypt cost makes the sign-up slow enough to still be running at SIGTERM.
    const server = start({ PORT: String(port), MONGODB_DATA_DIR: dataDir, BCRYPT_ROUNDS: '13' });
    await waitFor(server, 'auth API listening');

    const inFlight = post(port, '/api/auth/signup', {
      username: 'slowpoke',
      email: 'slowpoke@example.com',
      password: 'password-1',
    });
    await new Promise((r) => setTimeout(r, 150));
    server.child.kill('SIGTERM');

    expect((await inFlight).status).toBe(200);
    expect(await server.exited).toBe(0);
  });

  it('refuses to start in production without secrets, naming every missing variable', async () => {
    const server = start({ NODE_ENV: 'production', JWT_SECRET: 'too-short' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/JWT_SECRET: .*32 characters/);
    expect(server.output()).toMatch(/MONGODB_URI: .*required in production/);
  });

  it('refuses to start in production without DATA_ENCRYPTION_KEY once a user has an authenticator app', async () => {
    const user = await createUser();
    const production = {
      NODE_ENV: 'production',
      PORT: String(await freePort()),
      JWT_SECRET: 'p8Vq3xL0sK7wN2mZ5tR9yB4hD6jF1gC8aE0uI3oY7kQ',
      // The database this test file writes to, as the service's own.
      MONGODB_URI: `${process.env.TEST_MONGODB_URI!.replace(/\/?(\?|$)/, `/${mongoose.connection.name}$1`)}`,
    };
    // No factor yet: it starts (and says enrolment is off), then stops on SIGTERM.
    const first = start(production);
    await waitFor(first, 'auth API listening');
    expect(first.output()).toContain('DATA_ENCRYPTION_KEY is not set: authenticator apps cannot be enrolled');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    await User.updateOne({ _id: user.id }, { $set: { totp: { secret: 'v1.x.y.z', enabledAt: new Date(), lastStep: 0 } } });
    const second = start(production);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain('DATA_ENCRYPTION_KEY is required: users have authenticator apps whose secrets it encrypts');
  });
});
