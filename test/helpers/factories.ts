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
