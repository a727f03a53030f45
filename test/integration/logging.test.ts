import request from 'supertest';
import { buildApp } from '../helpers/app';
import { createUser } from '../helpers/factories';
import { captureLogs } from '../helpers/logs';

describe('request logging', () => {
  it('logs one line per request with status and duration, and never a token or password', async () => {
    const logs = captureLogs();
    const { app } = buildApp({ logger: logs.logger });
    const user = await createUser({ password: 'very-secret-password' });

    const signin = await request(app)
      .post('/api/auth/signin')
      .send({ username: user.username, password: user.password })
      .expect(200);
    const { accessToken, refreshToken } = signin.body;
    const guarded = await request(app).get('/api/test/user').set('x-access-token', accessToken).expect(200);
    await request(app).get('/api/test/user').set('Authorization', `Bearer ${accessToken}`).expect(200);
    // A client that puts its token in the query string: the log has the path only.
    await request(app)
      .get(`/api/test/all?access_token=${accessToken}`)
      .set('Cookie', `refreshToken=${refreshToken}`)
      .expect(200);
    await request(app).post('/api/auth/refreshtoken').send({ refreshToken }).expect(200);

    const text = logs.text();
    const completed = logs.entries().filter((e) => e.msg === 'request completed') as {
      reqId?: string;
      req?: { method: string; path: string; headers?: unknown };
      res?: { statusCode: number };
      responseTime?: number;
      userId?: string;
    }[];
    expect(completed).toHaveLength(5);
    for (const entry of completed) {
      expect(entry.res?.statusCode).toBe(200);
      expect(typeof entry.responseTime).toBe('number');
      // No headers at all: neither tokens nor cookies can reach the log this way.
      expect(entry.req?.headers).toBeUndefined();
    }
    const guardedLine = completed.find((e) => e.reqId === guarded.headers['x-request-id']);
    expect(guardedLine).toMatchObject({ req: { method: 'GET', path: '/api/test/user' }, userId: user.id });
    expect(text).not.toContain(accessToken);
    expect(text).not.toContain(refreshToken);
    expect(text).not.toContain('very-secret-password');
  });

  it('logs the socket address as the client unless a proxy is trusted, then the forwarded one', async () => {
    const direct = captureLogs();
    await request(buildApp({ logger: direct.logger }).app)
      .get('/api/test/all')
      .set('X-Forwarded-For', '203.0.113.9')
      .expect(200);
    const proxied = captureLogs();
    await request(buildApp({ logger: proxied.logger, env: { TRUST_PROXY: 'loopback' } }).app)
      .get('/api/test/all')
      .set('X-Forwarded-For', '203.0.113.9')
      .expect(200);

    const clientOf = (logs: ReturnType<typeof captureLogs>) =>
      (logs.entries().find((e) => e.msg === 'request completed') as { req: { remoteAddress: string } }).req
        .remoteAddress;
    // A client cannot choose the address it is logged under by sending the header itself.
    expect(clientOf(direct)).toMatch(/127\.0\.0\.1$/);
    expect(clientOf(proxied)).toBe('203.0.113.9');
  });

  it('redacts secrets wherever a log call passes them', () => {
    const logs = captureLogs();
    logs.logger.info({ body: { password: 'p4ssword!', refreshToken: 'rt' }, user: { password: 'p2' } }, 'x');
    expect(logs.text()).not.toMatch(/p4ssword!|"rt"|p2/);
  });
});
