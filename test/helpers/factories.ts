import bcrypt from 'bcryptjs';
import request from 'supertest';
import type { RoleName } from '../../src/config/roles';
import { Role } from '../../src/models/role.model';
import { User } from '../../src/models/user.model';

let sequence = 0;

export interface TestUser {
  id: string;
  username: string;
  email: string;
  password: string;
}

/** Inserts a user straight into the database (no HTTP), with the given roles. */
export async function createUser(
  overrides: Partial<Omit<TestUser, 'id'>> & { roles?: RoleName[] } = {},
): Promise<TestUser> {
  sequence += 1;
  const username = overrides.username ?? `user${sequence}`;
  const email = overrides.email ?? `${username}@example.com`;
  const password = overrides.password ?? `password-${sequence}`;
  const roles = await Role.find({ name: { $in: overrides.roles ?? ['user'] } });
  const user = await User.create({
    username,
    email,
    password: await bcrypt.hash(password, 4),
    roles: roles.map((r) => r._id),
  });
  return { id: user.id, username, email, password };
}

export interface SignedIn {
  id: string;
  accessToken: string;
  refreshToken: string;
  roles: string[];
}

/** Signs a user in through the API, as a client would. */
export async function signIn(app: Parameters<typeof request>[0], user: Pick<TestUser, 'username' | 'password'>): Promise<SignedIn> {
  const res = await request(app)
    .post('/api/auth/signin')
    .send({ username: user.username, password: user.password })
    .expect(200);
  return res.body as SignedIn;
}

/**
 * A completed sign-in's reply, whichever way it went, for a plain user: the contract's
 * fields, a token the user board takes, and the session's recorded method.
 */
export async function expectSignedIn(
  app: Parameters<typeof request>[0],
  res: { body: Record<string, unknown> },
  user: TestUser,
  method: string,
): Promise<void> {
  expect(res.body).toEqual({
    id: user.id,
    username: user.username,
    email: user.email,
    roles: ['ROLE_USER'],
    emailVerified: false,
    accessToken: expect.any(String),
    refreshToken: expect.any(String),
  });
  const token = res.body.accessToken as string;
  await request(app).get('/api/test/user').set('x-access-token', token).expect(200);
  const sessions = await request(app).get('/api/users/me/sessions').set('x-access-token', token).expect(200);
  expect((sessions.body.sessions as { current: boolean; signInMethod: string }[]).find((s) => s.current)?.signInMethod).toBe(method);
}
