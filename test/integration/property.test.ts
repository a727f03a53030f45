import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { createOpenApiDocument } from '../../src/docs/openapi';
import { TEST_JWT_SECRET, buildApp } from '../helpers/app';
import { createUser, signIn } from '../helpers/factories';

// Bad input at scale: arbitrary JSON, headers and tokens thrown at every operation of the
// document. Every reply must be a documented status and never a 5xx (the reply recorder also
// checks each body against the document after this file).

type Method = 'get' | 'post' | 'put' | 'delete';
interface Operation {
  method: Method;
  template: string;
  statuses: Set<number>;
}

const doc = createOpenApiDocument();
const operations: Operation[] = Object.entries(doc.paths ?? {}).flatMap(([template, ops]) =>
  Object.entries(ops as Record<string, { responses: Record<string, unknown> }>).map(([method, op]) => ({
    method: method as Method,
    template,
    statuses: new Set(Object.keys(op.responses).map(Number)),
  })),
);

// As the router does: a literal path ("/api/users/me") wins over a template ("{userId}").
const templates = Object.keys(doc.paths ?? {})
  .map((template) => ({
    template,
    params: (template.match(/\{/g) ?? []).length,
    regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }))
  .sort((a, b) => a.params - b.params);

/** The statuses a request may get: the operation's, or 405 where the path has no such method. */
function expectedStatuses(method: Method, path: string): Set<number> {
  const match = templates.find((t) => t.regex.test(path));
  const op = operations.find((o) => o.template === match?.template && o.method === method);
  return op ? op.statuses : new Set([405]);
}

const FIELDS = ['username', 'email', 'password', 'roles', 'refreshToken', 'refreshTokenTransport', 'currentPassword', 'newPassword', '$ne', '__proto__', 'constructor'];

const body = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string()), fc.jsonValue(), { maxKeys: 6 }),
  fc.record({ username: fc.jsonValue(), password: fc.jsonValue() }, { requiredKeys: [] }),
);
const rawBody = fc.oneof(fc.string(), fc.constantFrom('{', '{"username":', '[1,2', 'null', '"x"', '\u0000'));
const pathParam = fc.oneof(fc.string({ minLength: 1 }), fc.stringMatching(/^[0-9a-f]{24}$/), fc.constantFrom('me', '..', '%', '{}'));
const queryValue = fc.oneof(fc.string(), fc.integer().map(String), fc.constantFrom('0', '-1', '1e9', '[object Object]'));

describe('arbitrary input at every endpoint', () => {
  it('only ever gets documented replies, never a 5xx', async () => {
    const { app } = buildApp();
    const user = await createUser({ roles: ['user', 'admin'] });
    const { accessToken } = await signIn(app, user);
    const tokens = fc.oneof(
      fc.constant(accessToken),
      fc.string(),
      fc.constant(jwt.sign({ sub: user.id }, TEST_JWT_SECRET, { expiresIn: -10 })),
      fc.constant(jwt.sign({ sub: 'not-an-object-id' }, TEST_JWT_SECRET)),
      fc.constant(jwt.sign({ sub: { $ne: null } }, TEST_JWT_SECRET)),
      fc.constant(`${accessToken.slice(0, -2)}xx`),
    );

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...operations),
        fc.array(pathParam, { minLength: 2, maxLength: 2 }),
        fc.option(tokens, { nil: undefined }),
        fc.constantFrom('x-access-token', 'authorization'),
        fc.oneof(body.map((b) => ({ json: b })), rawBody.map((raw) => ({ raw }))),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
        fc.dictionary(fc.constantFrom('page', 'limit', 'q', 'x', '$where'), queryValue, { maxKeys: 3 }),
        async (op, params, token, tokenHeader, payload, contentType, query) => {
          let index = 0;
          const path = op.template.replace(/\{[^}]+\}/g, () => encodeURIComponent(params[index++] ?? 'x'));
          let req = request(app)[op.method](path).query(query);
          if (token !== undefined) {
            req = req.set(tokenHeader, tokenHeader === 'authorization' ? `Bearer ${token}` : token);
          }
          if (op.method !== 'get') {
            req =
              'json' in payload
                ? req.set('Content-Type', 'application/json').send(JSON.stringify(payload.json))
                : req.set('Content-Type', contentType).send(payload.raw);
          }
          const res = await req;
          if (res.status >= 500 || !expectedStatuses(op.method, path.split('?')[0]!).has(res.status)) {
            throw new Error(`${op.method.toUpperCase()} ${path} -> ${res.status} ${res.text.slice(0, 200)}`);
          }
        },
      ),
      { numRuns: 400, seed: 20261126 },
    );
  });
});
