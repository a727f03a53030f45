import jwt from 'jsonwebtoken';
import request from 'supertest';
import { User } from '../../src/models/user.model';
import { TEST_JWT_SECRET, buildApp } from '../helpers/app';
import { createUser, signIn } from '../helpers/factories';

describe('boards under /api/test', () => {
  it('serves the public board to anyone', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/api/test/all');
    expect(res.status).toBe(200);
    expect(res.text).toBe('Public Content.');
  });

  describe('GET /api/test/user', () => {
    it('serves a signed-in user with the token in x-access-token', async () => {
      const { app } = buildApp();
      const { accessToken } = await signIn(app, await createUser());
      const res = await request(app).get('/api/test/user').set('x-access-token', accessToken);
      expect(res.status).toBe(200);
      expect(res.text).toBe('User Content.');
    });

    it('accepts the token as Authorization: Bearer', async () => {
      const { app } = buildApp();
      const { accessToken } = await signIn(app, await createUser());
      const res = await request(app).get('/api/test/user').set('Authorization', `Bearer ${accessToken}`);
      expect(res.status).toBe(200);
      expect(res.text).toBe('User Content.');
    });

    it('replies 403 "No token provided!" without a token', async () => {
      const { app } = buildApp();
      const res = await request(app).get('/api/test/user');
      expect(res.status).toBe(403);
      expect(res.body.message).toBe('No token provided!');
    });

    it('treats an Authorization header of another scheme as no token', async () => {
      const { app } = buildApp();
      const res = await request(app).get('/api/test/user').set('Authorization', 'Basic dXNlcjpwYXNz');
      expect(res.status).toBe(403);
      expect(res.body.message).toBe('No token provided!');
    });

    it('replies 401 "Unauthorized! Access Token was expired!" once JWT_ACCESS_TTL has passed', async () => {
      const { app, clock } = buildApp({ env: { JWT_ACCESS_TTL: '60' } });
      const { accessToken } = await signIn(app, await createUser());

      clock.advance(59_000);
      await request(app).get('/api/test/user').set('x-access-token', accessToken).expect(200);

      clock.advance(1_000);
      const res = await request(app).get('/api/test/user').set('x-access-token', accessToken);
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('Unauthorized! Access Token was expired!');
    });

    const user = { id: '64b7f0c2a1b2c3d4e5f60718' };
    it.each([
      ['garbage', () => 'not.a.jwt'],
      ['signed with another secret', () => jwt.sign({}, 'another-secret-of-at-least-32-characters', { subject: user.id })],
      ['unsigned (alg none)', () => jwt.sign({}, '', { algorithm: 'none', subject: user.id })],
      ['signed with HS512 instead of HS256', () => jwt.sign({}, TEST_JWT_SECRET, { algorithm: 'HS512', subject: user.id })],
      ['without a subject', () => jwt.sign({ id: user.id }, TEST_JWT_SECRET)],
      ['with a tampered payload', () => {
        const [h, , s] = jwt.sign({}, TEST_JWT_SECRET, { subject: user.id }).split('.');
        const payload = Buffer.from(JSON.stringify({ sub: '64b7f0c2a1b2c3d4e5f60719' })).toString('base64url');
        return `${h}.${payload}.${s}`;
      }],
    ])('replies 401 "Unauthorized!" to a token that is %s', async (_label, makeToken) => {
      const { app } = buildApp();
      const res = await request(app).get('/api/test/user').set('x-access-token', makeToken());
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('Unauthorized!');
    });
  });

  describe.each([
    ['/api/test/mod', 'moderator', 'Moderator Content.', 'Require Moderator Role!'],
    ['/api/test/admin', 'admin', 'Admin Content.', 'Require Admin Role!'],
  ] as const)('GET %s', (path, role, content, denied) => {
    it(`serves a user holding the ${role} role`, async () => {
      const { app } = buildApp();
      const { accessToken } = await signIn(app, await createUser({ roles: ['user', role] }));
      const res = await request(app).get(path).set('x-access-token', accessToken);
      expect(res.status).toBe(200);
      expect(res.text).toBe(content);
    });

    it(`replies 403 "${denied}" to a user without it`, async () => {
      const { app } = buildApp();
      const { accessToken } = await signIn(app, await createUser({ roles: ['user'] }));
      const res = await request(app).get(path).set('x-access-token', accessToken);
      expect(res.status).toBe(403);
      expect(res.body.message).toBe(denied);
    });

    it('replies 403 "No token provided!" without a token', async () => {
      const { app } = buildApp();
      const res = await request(app).get(path);
      expect(res.status).toBe(403);
      expect(res.body.message).toBe('No token provided!');
    });

    it('applies a role change made in the database to existing tokens within a second', async () => {
      const { app, clock } = buildApp();
      const user = await createUser({ roles: ['user', role] });
      const { accessToken } = await signIn(app, user);
      await request(app).get(path).set('x-access-token', accessToken).expect(200);

      await User.updateOne({ _id: user.id }, { $set: { roles: [] } });
      clock.advance(1_000);
      await request(app).get(path).set('x-access-token', accessToken).expect(403);
    });

    it('replies 401 to the token of a deleted user within a second', async () => {
      const { app, clock } = buildApp();
      const user = await createUser({ roles: ['user', role] });
      const { accessToken } = await signIn(app, user);
      await request(app).get(path).set('x-access-token', accessToken).expect(200);
      await User.deleteOne({ _id: user.id });
      clock.advance(1_000);
      const res = await request(app).get(path).set('x-access-token', accessToken);
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('Unauthorized!');
    });
  });
});

describe('access token claims', () => {
  const sign = (claims: object, options: jwt.SignOptions = {}) =>
    jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS256', ...options });

  it('carries exp, iss and aud', async () => {
    const { app } = buildApp();
    const { accessToken } = await signIn(app, await createUser());
    const claims = jwt.decode(accessToken) as jwt.JwtPayload;
    expect(claims).toMatchObject({ iss: 'auth-api', aud: 'auth-api', exp: expect.any(Number), sub: expect.any(String) });
  });

  it.each([
    ['no exp', {}, { issuer: 'auth-api', audience: 'auth-api' }],
    ['another issuer', {}, { issuer: 'other-service', audience: 'auth-api', expiresIn: 60 }],
    ['another audience', {}, { issuer: 'auth-api', audience: 'other-api', expiresIn: 60 }],
    ['no issuer or audience', {}, { expiresIn: 60 }],
  ] as const)('refuses a token with the right key but %s', async (_label, extra, options) => {
    const { app } = buildApp();
    const user = await createUser();
    const token = sign({ ...extra, sub: user.id }, options);
    const res = await request(app).get('/api/test/user').set('x-access-token', token);
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('Unauthorized!');
  });
});
