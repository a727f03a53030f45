import request from 'supertest';
import { RefreshToken } from '../../src/models/refresh-token.model';
import { buildApp } from '../helpers/app';
import { createUser } from '../helpers/factories';

function refreshCookie(res: request.Response): { value: string; attributes: string } | undefined {
  const header = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('refreshToken='));
  if (!header) return undefined;
  const [pair, ...attributes] = header.split(';');
  return { value: pair!.slice('refreshToken='.length), attributes: attributes.join(';') };
}

async function cookieSignin() {
  const built = buildApp();
  const user = await createUser();
  const res = await request(built.app)
    .post('/api/auth/signin')
    .send({ username: user.username, password: user.password, refreshTokenTransport: 'cookie' })
    .expect(200);
  return { ...built, user, res, cookie: refreshCookie(res)! };
}

describe('refresh token in a cookie', () => {
  it('is set at sign-in when asked: HttpOnly, Secure, SameSite=Strict, scoped to /api/auth, not in the body', async () => {
    const { res, cookie, config, clock } = await cookieSignin();
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes).toMatch(/HttpOnly/);
    expect(cookie.attributes).toMatch(/Secure/);
    expect(cookie.attributes).toMatch(/SameSite=Strict/);
    expect(cookie.attributes).toMatch(/Path=\/api\/auth/);
    const expires = Date.parse(/Expires=([^;]+)/.exec(cookie.attributes)![1]!);
    expect(Math.abs(expires - (clock() + config.refreshToken.ttlSeconds * 1000))).toBeLessThan(1_000);
    expect(res.body.refreshToken).toBeUndefined();
    expect(res.body.accessToken).toEqual(expect.any(String));
  });

  it('is read by refresh when the body has none, and rotated in the cookie', async () => {
    const { app, cookie } = await cookieSignin();
    const res = await request(app).post('/api/auth/refreshtoken').set('Cookie', `refreshToken=${cookie.value}`).send({});
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['accessToken']);
    const rotated = refreshCookie(res);
    expect(rotated?.value).toBeDefined();
    expect(rotated!.value).not.toBe(cookie.value);
    await request(app).get('/api/test/user').set('x-access-token', res.body.accessToken).expect(200);
  });

  it('prefers a token in the body over the cookie', async () => {
    const { app, cookie, user } = await cookieSignin();
    const other = await request(app).post('/api/auth/signin').send({ username: user.username, password: user.password });
    const res = await request(app)
      .post('/api/auth/refreshtoken')
      .set('Cookie', `refreshToken=${cookie.value}`)
      .send({ refreshToken: other.body.refreshToken })
      .expect(200);
    expect(res.body.refreshToken).toEqual(expect.any(String));
    expect(refreshCookie(res)).toBeUndefined();
  });

  it('is read and cleared by signout, which revokes the session', async () => {
    const { app, cookie } = await cookieSignin();
    const res = await request(app).post('/api/auth/signout').set('Cookie', `refreshToken=${cookie.value}`).send({});
    expect(res.status).toBe(200);
    expect(refreshCookie(res)?.attributes).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await RefreshToken.findOne().lean())!.revokedReason).toBe('signout');
    await request(app).post('/api/auth/refreshtoken').set('Cookie', `refreshToken=${cookie.value}`).send({}).expect(403);
  });

  it('keeps body transport the default', async () => {
    const { app } = buildApp();
    const user = await createUser();
    const res = await request(app).post('/api/auth/signin').send({ username: user.username, password: user.password });
    expect(res.body.refreshToken).toEqual(expect.any(String));
    expect(refreshCookie(res)).toBeUndefined();
  });

  it('refuses an unknown transport', async () => {
    const { app } = buildApp();
    const user = await createUser();
    await request(app)
      .post('/api/auth/signin')
      .send({ username: user.username, password: user.password, refreshTokenTransport: 'carrier-pigeon' })
      .expect(400);
  });

  it('allows credentials for the configured origins only', async () => {
    const { app } = buildApp();
    const allowed = await request(app)
      .options('/api/auth/refreshtoken')
      .set('Origin', 'http://localhost:8081')
      .set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:8081');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');

    const other = await request(app)
      .options('/api/auth/refreshtoken')
      .set('Origin', 'https://evil.example.com')
      .set('Access-Control-Request-Method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-allow-credentials']).toBeUndefined();
  });
});
