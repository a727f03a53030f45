import type { Server } from 'node:http';
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

describe('the cookie is acted on only for allowed pages, and read unambiguously', () => {
  const refresh = (app: Parameters<typeof request>[0], cookie: string) =>
    request(app).post('/api/auth/refreshtoken').set('Cookie', `refreshToken=${cookie}`);

  it('refuses a cross-site request that carries the cookie, by Origin or by Sec-Fetch-Site', async () => {
    const { app, cookie } = await cookieSignin();
    for (const [header, value] of [
      ['Origin', 'https://evil.example'],
      ['Origin', 'null'],
      ['Sec-Fetch-Site', 'cross-site'],
    ] as const) {
      const res = await refresh(app, cookie.value).set(header, value).send({});
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('ORIGIN_NOT_ALLOWED');
      const signout = await request(app).post('/api/auth/signout').set('Cookie', `refreshToken=${cookie.value}`).set(header, value).send({});
      expect(signout.status).toBe(403);
    }
    // The session is untouched by the refused requests.
    expect((await RefreshToken.findOne().lean())!.revokedAt).toBeNull();
  });

  it('accepts the SPA origin, the service\'s own pages, same-site fetches and non-browser clients', async () => {
    const { app, cookie } = await cookieSignin();
    let current = cookie.value;
    const cases: [string, string][] = [
      ['Origin', 'http://localhost:8081'],
      ['Sec-Fetch-Site', 'same-origin'],
      ['Sec-Fetch-Site', 'same-site'],
    ];
    for (const [header, value] of cases) {
      const res = await refresh(app, current).set(header, value).send({});
      expect(res.status).toBe(200);
      current = refreshCookie(res)!.value;
    }
    const server = (app as { listen: (port: number) => Server }).listen(0);
    try {
      const port = (server.address() as { port: number }).port;
      const own = await request(server).post('/api/auth/refreshtoken').set('Cookie', `refreshToken=${current}`).set('Origin', `http://127.0.0.1:${port}`).send({});
      expect(own.status).toBe(200);
      current = refreshCookie(own)!.value;
    } finally {
      server.close();
    }
    await refresh(app, current).send({}).expect(200);
  });

  it('refuses two refreshToken cookies (cookie tossing from a sibling subdomain)', async () => {
    const { app, cookie, user } = await cookieSignin();
    const attacker = await request(app)
      .post('/api/auth/signin')
      .send({ username: user.username, password: user.password, refreshTokenTransport: 'cookie' });
    const tossed = refreshCookie(attacker)!.value;
    for (const header of [`refreshToken=${tossed}; refreshToken=${cookie.value}`, `a=1;refreshToken=${tossed};  refreshToken=${cookie.value}`]) {
      const res = await request(app).post('/api/auth/refreshtoken').set('Cookie', header).send({});
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('AMBIGUOUS_REFRESH_COOKIE');
    }
  });

  it('signs out both sessions when the body names one and the cookie another', async () => {
    const { app, cookie, user } = await cookieSignin();
    const other = await request(app).post('/api/auth/signin').send({ username: user.username, password: user.password }).expect(200);
    await request(app)
      .post('/api/auth/signout')
      .set('Cookie', `refreshToken=${cookie.value}`)
      .send({ refreshToken: other.body.refreshToken })
      .expect(200);
    expect(await RefreshToken.countDocuments({ revokedAt: null })).toBe(0);
    await refresh(app, cookie.value).send({}).expect(403);
  });
});
