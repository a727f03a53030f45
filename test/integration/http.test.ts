import mongoose from 'mongoose';
import request from 'supertest';
import { captureLogs } from '../helpers/logs';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/config/logger';
import { createServices } from '../../src/services';
import { systemClock } from '../../src/utils/clock';
import { buildApp, testConfig } from '../helpers/app';
import { createUser, signIn } from '../helpers/factories';

describe('HTTP behaviour', () => {
  it('answers GET / with a JSON welcome', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: expect.any(String), docs: '/api/docs', demo: '/demo/', admin: '/admin/' });
  });

  it('replies 400 JSON to malformed JSON', async () => {
    const { app } = buildApp();
    const res = await request(app)
      .post('/api/auth/signin')
      .set('Content-Type', 'application/json')
      .send('{"username": "alice", ');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ message: 'Malformed JSON in request body', code: 'MALFORMED_JSON' });
  });

  it('replies 413 to a body over 100 kB', async () => {
    const { app } = buildApp();
    const res = await request(app)
      .post('/api/auth/signup')
      .send({ username: 'alice', email: 'a@example.com', password: 'x'.repeat(101 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('replies 415 to a body that is not JSON', async () => {
    const { app } = buildApp();
    const res = await request(app)
      .post('/api/auth/signin')
      .set('Content-Type', 'text/plain')
      .send('username=alice&password=secret');
    expect(res.status).toBe(415);
    expect(res.body.message).toMatch(/JSON/);
  });

  it('replies 400 to a JSON body that is not an object', async () => {
    const { app } = buildApp();
    const res = await request(app).post('/api/auth/signin').send([{ username: 'alice' }]);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it.each([
    ['delete', '/api/test/user', 'GET, HEAD'],
    ['get', '/api/auth/signin', 'POST'],
    ['patch', '/api/users/me/sessions', 'GET, DELETE, HEAD'],
    ['put', '/', 'GET, HEAD'],
    // Found by schemathesis: "me" reached the /:userId route and got a 400.
    ['delete', '/api/users/me', 'GET, HEAD'],
  ] as const)('replies 405 with Allow to %s %s', async (method, path, allow) => {
    const { app } = buildApp();
    // Routes under /api/users authenticate first, whatever the method.
    const { accessToken } = await signIn(app, await createUser());
    const res = await request(app)[method](path).set('x-access-token', accessToken);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.body.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('replies 404 JSON to an unknown route', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND', message: expect.any(String) });
  });

  it("sends OWASP's API security headers on JSON replies, and no X-Powered-By", async () => {
    const { app } = buildApp();
    for (const path of ['/api/test/all', '/api/docs.json', '/health/live', '/no-such-path']) {
      const res = await request(app).get(path);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('does not let token replies be cached', async () => {
    const { app } = buildApp();
    const user = await createUser();
    const res = await request(app).post('/api/auth/signin').send({ username: user.username, password: user.password });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it("sends helmet's full document headers on the HTML pages", async () => {
    const { app } = buildApp();
    const res = await request(app).get('/api/docs/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("object-src 'none'");
    // Over plain HTTP on another host, pages must still load their own assets over HTTP.
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    for (const page of ['/demo/', '/admin/']) {
      const other = await request(app).get(page);
      expect(other.headers['content-security-policy']).toBe(res.headers['content-security-policy']);
    }
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['cache-control']).not.toBe('no-store');
  });

  it('echoes a well-formed x-request-id and generates one otherwise', async () => {
    const { app } = buildApp();
    const given = await request(app).get('/api/test/all').set('x-request-id', 'req-123');
    expect(given.headers['x-request-id']).toBe('req-123');
    const made = await request(app).get('/api/test/all').set('x-request-id', 'bad id with spaces');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('CORS', () => {
    it('allows the SPA origin with the token headers on a preflight', async () => {
      const { app } = buildApp();
      const res = await request(app)
        .options('/api/test/user')
        .set('Origin', 'http://localhost:8081')
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'x-access-token, content-type');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:8081');
      const allowed = (res.headers['access-control-allow-headers'] as string).toLowerCase();
      expect(allowed).toContain('x-access-token');
      expect(allowed).toContain('authorization');
      expect(allowed).toContain('content-type');
    });

    it('allows every origin listed in CORS_ORIGINS', async () => {
      const { app } = buildApp({ env: { CORS_ORIGINS: 'http://localhost:8081, https://app.example.com' } });
      const res = await request(app).get('/api/test/all').set('Origin', 'https://app.example.com');
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    });

    it('answers a preflight from another origin 204 without CORS headers, and logs the origin', async () => {
      const logs = captureLogs('warn');
      const { app } = buildApp({ logger: logs.logger });
      for (let i = 0; i < 2; i += 1) {
        const res = await request(app)
          .options('/api/auth/signin')
          .set('Origin', 'http://localhost:5173')
          .set('Access-Control-Request-Method', 'POST')
          .set('Access-Control-Request-Headers', 'content-type');
        expect(res.status).toBe(204);
        expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      }
      const refusals = logs.entries().filter((e) => e.msg === 'CORS: a page of an origin not in CORS_ORIGINS was refused');
      // Once per origin per minute, however many preflights.
      expect(refusals).toEqual([expect.objectContaining({ origin: 'http://localhost:5173', allowed: ['http://localhost:8081'] })]);
    });

    it('does not allow other origins', async () => {
      const { app } = buildApp();
      const res = await request(app).get('/api/test/all').set('Origin', 'https://evil.example.com');
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  it('replies 500 without internals when something unexpected fails', async () => {
    const config = testConfig();
    const logger = createLogger({ level: 'silent' });
    const services = createServices({ config, clock: systemClock, logger, connection: mongoose.connection });
    services.auth.signin = () => Promise.reject(new Error('MongoServerError: E11000 at /srv/app/secret.js:12'));
    const app = createApp({ config, logger, services });

    const res = await request(app).post('/api/auth/signin').send({ username: 'alice', password: 'password1' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ message: 'Internal server error', code: 'INTERNAL' });
    expect(res.text).not.toMatch(/Mongo|E11000|secret\.js|at /);
  });
});
