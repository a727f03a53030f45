import bcrypt from 'bcryptjs';
import request from 'supertest';
import { Role } from '../../src/models/role.model';
import { User } from '../../src/models/user.model';
import { buildApp } from '../helpers/app';
import { createUser, signIn } from '../helpers/factories';

const SIGNUP = '/api/auth/signup';
const valid = { username: 'alice', email: 'alice@example.com', password: 'correct horse' };

async function storedRoleNames(username: string): Promise<string[]> {
  const user = await User.findOne({ usernameKey: username.toLowerCase() }).lean();
  if (!user) throw new Error(`no user ${username}`);
  const roles = await Role.find({ _id: { $in: user.roles } }).lean();
  return roles.map((r) => r.name).sort();
}

describe('POST /api/auth/signup', () => {
  describe('registering', () => {
    it('creates the user with the user role and replies with the contract message', async () => {
      const { app } = buildApp();
      const res = await request(app).post(SIGNUP).send(valid);

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ message: 'User was registered successfully!' });
      const stored = await User.findOne({ usernameKey: 'alice' }).lean();
      expect(stored).toMatchObject({ username: 'alice', email: 'alice@example.com' });
      expect(await storedRoleNames('alice')).toEqual(['user']);
    });

    it('stores only a bcrypt hash of the password, at the configured cost', async () => {
      const { app } = buildApp({ env: { BCRYPT_ROUNDS: '6' } });
      await request(app).post(SIGNUP).send(valid).expect(200);

      const stored = await User.findOne({ usernameKey: 'alice' }).lean();
      expect(stored?.password).not.toContain(valid.password);
      expect(bcrypt.getRounds(stored!.password)).toBe(6);
      expect(await bcrypt.compare(valid.password, stored!.password)).toBe(true);
    });

    it('lets the new user sign in', async () => {
      const { app } = buildApp();
      await request(app).post(SIGNUP).send(valid).expect(200);
      const session = await signIn(app, valid);
      expect(session.roles).toEqual(['ROLE_USER']);
    });

    it('treats roles: ["user"] and an empty list like no roles', async () => {
      const { app } = buildApp();
      await request(app).post(SIGNUP).send({ ...valid, roles: ['user'] }).expect(200);
      await request(app)
        .post(SIGNUP)
        .send({ username: 'bob', email: 'bob@example.com', password: 'lantern-orbit-42', roles: [] })
        .expect(200);
      expect(await storedRoleNames('alice')).toEqual(['user']);
      expect(await storedRoleNames('bob')).toEqual(['user']);
    });
  });

  describe('duplicates', () => {
    it('refuses a username that is taken, whatever its case', async () => {
      const { app } = buildApp();
      await createUser({ username: 'Alice' });
      const res = await request(app).post(SIGNUP).send({ ...valid, username: 'aLICE' });

      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Failed! Username is already in use!');
      expect(await User.countDocuments()).toBe(1);
    });

    it('refuses an email that is taken, whatever its case', async () => {
      const { app } = buildApp();
      await createUser({ username: 'someone', email: 'alice@example.com' });
      const res = await request(app).post(SIGNUP).send({ ...valid, email: 'ALICE@Example.com' });

      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Failed! Email is already in use!');
      expect(await User.countDocuments()).toBe(1);
    });

    it('creates exactly one account when 20 sign-ups with one username race', async () => {
      // Room for all 20 in the hashing queue: the unique index, not the queue, is under test.
      const { app } = buildApp({ env: { HASH_QUEUE_PER_CLIENT: '32' } });
      const server = app.listen(0);
      try {
        const replies = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            request(server)
              .post(SIGNUP)
              .send({ username: i % 2 ? 'racer' : 'RACER', email: `racer${i}@example.com`, password: 'lantern-orbit-42' }),
          ),
        );
        const statuses = replies.map((r) => r.status).sort();
        expect(statuses.filter((s) => s === 200)).toHaveLength(1);
        expect(statuses.filter((s) => s === 400)).toHaveLength(19);
        for (const reply of replies.filter((r) => r.status === 400)) {
          expect(reply.body.message).toBe('Failed! Username is already in use!');
        }
        expect(await User.countDocuments({ usernameKey: 'racer' })).toBe(1);
      } finally {
        server.close();
      }
    });

    it('creates exactly one account when 20 sign-ups with one email race', async () => {
      // Room for all 20 in the hashing queue: the unique index, not the queue, is under test.
      const { app } = buildApp({ env: { HASH_QUEUE_PER_CLIENT: '32' } });
      const server = app.listen(0);
      try {
        const replies = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            request(server).post(SIGNUP).send({ username: `racer${i}`, email: 'race@example.com', password: 'lantern-orbit-42' }),
          ),
        );
        expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
        for (const reply of replies.filter((r) => r.status !== 200)) {
          expect(reply.status).toBe(400);
          expect(reply.body.message).toBe('Failed! Email is already in use!');
        }
        expect(await User.countDocuments()).toBe(1);
      } finally {
        server.close();
      }
    });
  });

  describe('roles', () => {
    it('refuses an unknown role with the contract message and creates nothing', async () => {
      const { app } = buildApp();
      const res = await request(app).post(SIGNUP).send({ ...valid, roles: ['superuser'] });

      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Failed! Role superuser does not exist!');
      expect(await User.countDocuments()).toBe(0);
    });

    it.each([['admin'], ['moderator']])('refuses an anonymous sign-up asking for %s', async (role) => {
      const { app } = buildApp();
      const res = await request(app).post(SIGNUP).send({ ...valid, roles: [role] });

      expect(res.status).toBe(403);
      expect(res.body.message).toBe('Require Admin Role!');
      expect(await User.countDocuments()).toBe(0);
    });

    it('refuses elevated roles when the token belongs to a non-admin', async () => {
      const { app } = buildApp();
      const moderator = await signIn(app, await createUser({ roles: ['user', 'moderator'] }));
      const res = await request(app)
        .post(SIGNUP)
        .set('x-access-token', moderator.accessToken)
        .send({ ...valid, roles: ['moderator'] });

      expect(res.status).toBe(403);
      expect(res.body.message).toBe('Require Admin Role!');
      expect(await User.countDocuments({ usernameKey: 'alice' })).toBe(0);
    });

    it('refuses elevated roles when the token is invalid', async () => {
      const { app } = buildApp();
      const res = await request(app)
        .post(SIGNUP)
        .set('x-access-token', 'not-a-token')
        .send({ ...valid, roles: ['admin'] });
      expect(res.status).toBe(403);
      expect(await User.countDocuments()).toBe(0);
    });

    it('grants elevated roles when an admin signs the user up', async () => {
      const { app } = buildApp();
      const admin = await signIn(app, await createUser({ roles: ['user', 'admin'] }));
      await request(app)
        .post(SIGNUP)
        .set('Authorization', `Bearer ${admin.accessToken}`)
        .send({ ...valid, roles: ['moderator', 'user', 'moderator'] })
        .expect(200);

      expect(await storedRoleNames('alice')).toEqual(['moderator', 'user']);
    });

    it('ignores a stale token on a plain sign-up', async () => {
      const { app } = buildApp();
      await request(app).post(SIGNUP).set('x-access-token', 'stale').send(valid).expect(200);
    });
  });

  describe('validation', () => {
    async function expectInvalid(body: unknown, field: string) {
      const { app } = buildApp();
      const res = await request(app).post(SIGNUP).send(body as object);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(typeof res.body.message).toBe('string');
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(await User.countDocuments()).toBe(0);
    }

    it.each([
      ['missing', { email: valid.email, password: valid.password }],
      ['too short', { ...valid, username: 'ab' }],
      ['too long', { ...valid, username: 'a'.repeat(33) }],
      ['with a space', { ...valid, username: 'al ice' }],
      ['with a non-ASCII letter', { ...valid, username: 'alîce' }],
      ['an operator object', { ...valid, username: { $ne: null } }],
      ['a number', { ...valid, username: 12345 }],
    ])('refuses a username that is %s', async (_label, body) => {
      await expectInvalid(body, 'username');
    });

    it('accepts usernames of 3 and 32 characters of letters, digits, ".", "_" and "-"', async () => {
      const { app } = buildApp();
      await request(app).post(SIGNUP).send({ ...valid, username: 'a.b' }).expect(200);
      await request(app)
        .post(SIGNUP)
        .send({ username: 'A_b-9'.padEnd(32, 'z'), email: 'other@example.com', password: 'lantern-orbit-42' })
        .expect(200);
    });

    it.each([
      ['missing', { username: valid.username, password: valid.password }],
      ['not an address', { ...valid, email: 'alice' }],
      ['an operator object', { ...valid, email: { $gt: '' } }],
      // Found by schemathesis: zod's email pattern has no limit on the local part.
      ['over 64 characters before the @ (RFC 5321)', { ...valid, email: `${'a'.repeat(65)}@example.com` }],
    ])('refuses an email that is %s', async (_label, body) => {
      await expectInvalid(body, 'email');
    });

    it.each([
      ['missing', { username: valid.username, email: valid.email }],
      ['shorter than 8 characters', { ...valid, password: '1234567' }],
      ['longer than 72 bytes', { ...valid, password: 'x'.repeat(73) }],
      // 25 characters, but 75 bytes: the limit is bcrypt's, in bytes.
      ['72 bytes or less in characters but more in UTF-8', { ...valid, password: '€'.repeat(25) }],
      ['an array', { ...valid, password: ['lantern-orbit-42'] }],
    ])('refuses a password that is %s', async (_label, body) => {
      await expectInvalid(body, 'password');
    });

    it('accepts a password of exactly 72 bytes and checks all of it at sign-in', async () => {
      const { app } = buildApp();
      const password = '€'.repeat(24); // 72 bytes
      await request(app).post(SIGNUP).send({ ...valid, password }).expect(200);
      await signIn(app, { username: valid.username, password });
      await request(app)
        .post('/api/auth/signin')
        .send({ username: valid.username, password: `${'€'.repeat(23)}xyz` })
        .expect(401);
    });

    it('refuses roles that are not a list of strings', async () => {
      await expectInvalid({ ...valid, roles: 'admin' }, 'roles');
      await expectInvalid({ ...valid, roles: [{ $ne: null }] }, 'roles.0');
    });

    it('refuses unknown fields', async () => {
      await expectInvalid({ ...valid, isAdmin: true }, 'isAdmin');
    });

    it('reports every failing field at once', async () => {
      const { app } = buildApp();
      const res = await request(app).post(SIGNUP).send({ username: 'a', email: 'b', password: 'c' }).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'password', 'username']);
    });
  });
});
