import bcrypt from 'bcryptjs';
import request from 'supertest';
import { User } from '../../src/models/user.model';
import { buildApp } from '../helpers/app';
import { createUser, signIn } from '../helpers/factories';

const PASSWORD = '/api/users/me/password';

describe('GET /api/users/me', () => {
  it('returns the profile and never the password hash', async () => {
    const { app } = buildApp();
    const user = await createUser({ username: 'Alice', roles: ['user', 'moderator'] });
    const { accessToken } = await signIn(app, user);
    const res = await request(app).get('/api/users/me').set('Authorization', `Bearer ${accessToken}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: user.id,
      username: 'Alice',
      email: user.email,
      roles: expect.arrayContaining(['ROLE_USER', 'ROLE_MODERATOR']),
      disabled: false,
      emailVerified: false,
      mfa: { totp: false, recoveryCodesLeft: 0, passkeys: 0 },
      lastSigninAt: expect.any(String),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/\$2[aby]\$/);
  });

  it('needs an access token', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/api/users/me');
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('No token provided!');
  });
});

describe('PUT /api/users/me/password', () => {
  it('changes the password at the configured cost, ends every session and hands the caller a new one', async () => {
    const { app } = buildApp({ env: { BCRYPT_ROUNDS: '5' } });
    const user = await createUser();
    const here = await signIn(app, user);
    const elsewhere = await signIn(app, user);

    const res = await request(app)
      .put(PASSWORD)
      .set('x-access-token', here.accessToken)
      .send({ currentPassword: user.password, newPassword: 'brand-new-password' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      message: expect.any(String),
      revokedSessions: 2,
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
    });

    const stored = await User.findById(user.id).lean();
    expect(bcrypt.getRounds(stored!.password)).toBe(5);
    expect(await bcrypt.compare('brand-new-password', stored!.password)).toBe(true);
    await request(app).post('/api/auth/signin').send({ username: user.username, password: user.password }).expect(401);
    await request(app).post('/api/auth/signin').send({ username: user.username, password: 'brand-new-password' }).expect(200);
    // A thief holding this session's refresh token, or another session's, is out.
    await request(app).post('/api/auth/refreshtoken').send({ refreshToken: elsewhere.refreshToken }).expect(403);
    await request(app).post('/api/auth/refreshtoken').send({ refreshToken: here.refreshToken }).expect(403);
    // Access tokens issued before the change stop working at once; the new ones work.
    for (const old of [here.accessToken, elsewhere.accessToken]) {
      const refused = await request(app).get('/api/test/user').set('x-access-token', old);
      expect(refused.status).toBe(401);
      expect(refused.body.message).toBe('Unauthorized!');
    }
    await request(app).get('/api/test/user').set('x-access-token', res.body.accessToken).expect(200);
    await request(app).post('/api/auth/refreshtoken').send({ refreshToken: res.body.refreshToken }).expect(200);
  });

  it('refuses access tokens issued before the change on every instance within the user-state cache age', async () => {
    const a = buildApp();
    const b = buildApp({ clock: a.clock });
    const user = await createUser();
    const session = await signIn(a.app, user);
    await request(b.app).get('/api/test/user').set('x-access-token', session.accessToken).expect(200);
    await request(a.app)
      .put(PASSWORD)
      .set('x-access-token', session.accessToken)
      .send({ currentPassword: user.password, newPassword: 'brand-new-password' })
      .expect(200);
    a.clock.advance(600);
    await request(b.app).get('/api/test/user').set('x-access-token', session.accessToken).expect(401);
  });

  it('sets the new refresh token as a cookie when asked to', async () => {
    const { app } = buildApp();
    const user = await createUser();
    const { accessToken } = await signIn(app, user);
    const res = await request(app)
      .put(PASSWORD)
      .set('x-access-token', accessToken)
      .send({ currentPassword: user.password, newPassword: 'brand-new-password', refreshTokenTransport: 'cookie' })
      .expect(200);
    expect(res.body.refreshToken).toBeUndefined();
    expect(String(res.headers['set-cookie'])).toMatch(/^refreshToken=[^;]+; Path=\/api\/auth;.*HttpOnly; Secure; SameSite=Strict/);
  });

  it.each([
    ['a commonly used password', 'qwertyuiop', 'common'],
    ['the username', 'USERNAME-x', 'contains_username'],
    ['the email local part', 'my-mailbox-name-1', 'contains_email'],
  ])('refuses a new password that is %s, naming the rule', async (_label, newPassword, rule) => {
    const { app } = buildApp();
    const user = await createUser({ username: 'username-x', email: 'mailbox-name@example.com' });
    const { accessToken } = await signIn(app, user);
    const res = await request(app).put(PASSWORD).set('x-access-token', accessToken).send({ currentPassword: user.password, newPassword });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'WEAK_PASSWORD', rule, errors: [{ field: 'newPassword' }] });
  });

  it('refuses a wrong current password and keeps the old hash', async () => {
    const { app } = buildApp();
    const user = await createUser();
    const before = (await User.findById(user.id).lean())!.password;
    const { accessToken } = await signIn(app, user);
    const res = await request(app)
      .put(PASSWORD)
      .set('x-access-token', accessToken)
      .send({ currentPassword: 'not-my-password', newPassword: 'brand-new-password' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('INVALID_PASSWORD');
    expect((await User.findById(user.id).lean())!.password).toBe(before);
  });

  it('throttles guessing the current password like failed sign-ins', async () => {
    const { app } = buildApp({ env: { SIGNIN_MAX_FAILURES: '2' } });
    const user = await createUser();
    const { accessToken } = await signIn(app, user);
    const change = (currentPassword: string) =>
      request(app).put(PASSWORD).set('x-access-token', accessToken).send({ currentPassword, newPassword: 'brand-new-password' });
    await change('guess-one').expect(403);
    await change('guess-two').expect(403);
    expect((await change(user.password)).status).toBe(429);
  });

  it.each([
    ['too short', { newPassword: 'short' }],
    ['over 72 bytes', { newPassword: 'p'.repeat(73) }],
    ['missing', { newPassword: undefined }],
    ['an operator object', { newPassword: { $ne: null } }],
  ])('refuses a new password that is %s', async (_label, change) => {
    const { app } = buildApp();
    const user = await createUser();
    const { accessToken } = await signIn(app, user);
    const res = await request(app)
      .put(PASSWORD)
      .set('x-access-token', accessToken)
      .send({ currentPassword: user.password, ...change });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('newPassword');
  });

  it('refuses a new password equal to the current one', async () => {
    const { app } = buildApp();
    const user = await createUser();
    const { accessToken } = await signIn(app, user);
    const res = await request(app)
      .put(PASSWORD)
      .set('x-access-token', accessToken)
      .send({ currentPassword: user.password, newPassword: user.password });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('PASSWORD_UNCHANGED');
  });
});
