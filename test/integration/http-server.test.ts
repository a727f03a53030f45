import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import request from 'supertest';
import { createHttpServer } from '../../src/http-server';
import { buildApp } from '../helpers/app';
import { createUser, signIn } from '../helpers/factories';

/**
 * The fields that handling a request added to the request or response object beyond those
 * it was constructed with. createHttpServer declares them all up front so that every request
 * keeps one V8 hidden class (see src/http-server.ts): a field Express, a middleware or this
 * service starts setting must be declared there too, or each request gets a shape of its own.
 */
function recordAddedFields(server: Server): { req: Set<string>; res: Set<string> } {
  const added = { req: new Set<string>(), res: new Set<string>() };
  const diff = (into: Set<string>, before: Set<PropertyKey>, object: object) => {
    for (const key of Reflect.ownKeys(object)) if (!before.has(key)) into.add(String(key));
  };
  // Before the app's own listener: the objects as constructed.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const reqKeys = new Set(Reflect.ownKeys(req));
    const resKeys = new Set(Reflect.ownKeys(res));
    res.on('close', () => {
      diff(added.req, reqKeys, req);
      diff(added.res, resKeys, res);
    });
  });
  return added;
}

// Left out on purpose: Node's own lazily created event counter on a Readable; the test
// helpers' wrappers around res.send and res.end that check replies against the OpenAPI document; and
// `query`, which validation makes an own property on the one route with a query schema (the
// admin user list): declared up front, it would hide Express's `req.query` getter.
const NOT_DECLARED = new Set(['_eventsCount', 'send', 'end', 'query']);

describe('the HTTP server', () => {
  it('gives requests and responses every field that handling them sets, from the start', async () => {
    const { app } = buildApp();
    const server = createHttpServer(app);
    const added = recordAddedFields(server);
    const user = await createUser();
    const { accessToken, refreshToken } = await signIn(server, user);
    const admin = await signIn(server, await createUser({ roles: ['user', 'admin'] }));

    await request(server).get('/api/test/user').set('x-access-token', accessToken).expect(200);
    await request(server).get('/api/test/admin').set('x-access-token', accessToken).expect(403);
    await request(server).get('/api/test/user').expect(403);
    await request(server).get('/api/users/me').set('x-access-token', accessToken).expect(200);
    await request(server).post('/api/auth/refreshtoken').send({ refreshToken }).expect(200);
    await request(server).post('/api/auth/signin').set('content-type', 'application/json').send('{"username":').expect(400);
    await request(server).delete('/api/test/all').expect(405);
    await request(server).get('/no/such/route').expect(404);
    await request(server).get(`/api/users/${user.id}`).set('x-access-token', admin.accessToken).expect(200);
    await request(server).get('/api/users?q=user').set('x-access-token', admin.accessToken).expect(200);
    await request(server).options('/api/auth/signin').set('origin', 'http://localhost:8081').expect(204);
    await request(server).get('/health/ready').expect(200);
    await request(server).get('/api/docs.json').expect(200);
    await request(server).get('/api/docs/');
    await request(server).get('/demo/').set('origin', 'http://localhost:8081');
    await new Promise((resolve) => setImmediate(resolve)); // the last 'close' events

    const ours = (fields: Set<string>) => [...fields].filter((key) => !NOT_DECLARED.has(key));
    expect(ours(added.req)).toEqual([]);
    expect(ours(added.res)).toEqual([]);
  });

  it('serves the app unchanged', async () => {
    const { app } = buildApp();
    const server = createHttpServer(app);
    const res = await request(server).get('/api/test/all');
    expect(res.status).toBe(200);
    expect(res.text).toBe('Public Content.');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['x-request-id']).toMatch(/^[\w.-]+$/);
  });
});
