import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createOpenApiDocument } from '../../src/docs/openapi';
import { validatorFor } from '../helpers/openapi-check';

// What API users meet in Swagger UI and generated clients; `npm run lint:openapi` (CI) runs
// Redocly's and Spectral's rules over the same document.

type Operation = {
  operationId?: string;
  description?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
};

const doc = createOpenApiDocument();
const components = (doc.components?.schemas ?? {}) as Record<string, Record<string, unknown>>;
const resolve = (schema: Record<string, unknown>) =>
  typeof schema.$ref === 'string' ? components[schema.$ref.split('/').pop()!]! : schema;
const operations = Object.entries(doc.paths ?? {}).flatMap(([route, ops]) =>
  Object.entries(ops as Record<string, Operation>).map(([method, op]) => ({ name: `${method.toUpperCase()} ${route}`, op })),
);

describe('the OpenAPI document', () => {
  it('names and describes every operation, and says which need no token', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { name, op } of operations) {
      expect([name, typeof op.description === 'string' && op.description.length > 10]).toEqual([name, true]);
      expect([name, Array.isArray(op.security)]).toEqual([name, true]);
    }
    const open = operations.filter(({ op }) => op.security?.length === 0).map(({ name }) => name);
    expect(open).toEqual(expect.arrayContaining(['GET /api/test/all', 'POST /api/auth/signin', 'GET /health/ready', 'POST /api/auth/passkey']));
  });

  it('has servers, and the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(doc.info.version).toBe(pkg.version);
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });

  it('gives every request body an example that its own schema accepts', () => {
    for (const { name, op } of operations) {
      const schema = op.requestBody?.content['application/json']?.schema;
      if (!schema) continue;
      const example = resolve(schema).example;
      expect([name, example === undefined]).toEqual([name, false]);
      expect([name, validatorFor(schema)(example)]).toEqual([name, []]);
    }
  });

  it('gives each error status a schema of its own with a realistic example', () => {
    for (const { name, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const schema = response.content?.['application/json']?.schema;
        if (!schema) continue;
        const { example } = resolve(schema) as { example?: { code?: string; retryAfterSeconds?: number } };
        expect([name, status, example === undefined]).toEqual([name, status, false]);
        expect([name, status, validatorFor(schema)(example)]).toEqual([name, status, []]);
        if (status !== '400') expect(example!.code).not.toBe('VALIDATION_FAILED');
        if (example!.retryAfterSeconds !== undefined) expect(example!.retryAfterSeconds).toBeGreaterThan(0);
      }
    }
  });

  it('is committed as docs/openapi.json, up to date (run `npm run openapi` after changing the API)', () => {
    const committed = readFileSync(path.join(__dirname, '../../docs/openapi.json'), 'utf8');
    expect(committed).toBe(`${JSON.stringify(doc, null, 2)}\n`);
  });
});

describe('the typed client of the demo page and the admin console', () => {
  it('is generated from the committed document (run `npm run openapi` after changing the API)', () => {
    const root = path.join(__dirname, '../..');
    const generated = execFileSync(process.execPath, [path.join(root, 'node_modules/openapi-typescript/bin/cli.js'), 'docs/openapi.json'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(readFileSync(path.join(root, 'demo/api-schema.d.ts'), 'utf8')).toBe(generated);
  });
});
