/**
 * Writes a Postman collection of every operation, generated from the OpenAPI document, the
 * journey collection (scripts/postman-journey.ts) and their environment:
 *   npm run postman   ->  docs/auth-api.postman_collection.json, docs/auth-api.journey.postman_collection.json,
 *                         docs/auth-api.postman_environment.json
 * A test fails when the committed files are older than the document.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Converter from 'openapi-to-postmanv2';
import { v5 as uuidv5 } from 'uuid';
import { createOpenApiDocument } from '../src/docs/openapi';
import { buildJourney } from './postman-journey';

interface PostmanRequest {
  method: string;
  url: { path: string[]; variable?: { key: string; value?: string }[] };
  header?: { key: string; value: string }[];
  body?: { mode: string; raw?: string };
  auth?: unknown;
}
interface PostmanItem {
  id?: string;
  name: string;
  response?: unknown[];
  item?: PostmanItem[];
  request?: PostmanRequest;
  event?: unknown[];
}
export interface PostmanCollection {
  info: Record<string, unknown>;
  item: PostmanItem[];
  auth?: unknown;
  variable?: unknown[];
  event?: unknown[];
}

const ENV_NAME = 'auth-api (local)';
// Ids derived from names, so that regenerating gives the same file.
const ID_NAMESPACE = '6f2b1c1e-4c1a-4a8e-9b5e-2f4f0a6d7c11';

// Bodies a person can send as they are, using the environment's variables.
const BODIES: Record<string, unknown> = {
  'POST api/auth/signup': { username: '{{username}}', email: '{{email}}', password: '{{password}}' },
  'POST api/auth/signin': { username: '{{username}}', password: '{{password}}' },
  'POST api/auth/refreshtoken': { refreshToken: '{{refreshToken}}' },
  'POST api/auth/signout': { refreshToken: '{{refreshToken}}' },
  'PUT api/users/me/password': { currentPassword: '{{password}}', newPassword: '{{newPassword}}' },
  'PUT api/users/:userId/roles': { roles: ['user', 'moderator'] },
};

// After sign-in and refresh, keep the tokens for the requests that follow.
const STORE_TOKENS = [
  'if (pm.response.code === 200) {',
  '  const body = pm.response.json();',
  "  if (body.accessToken) pm.environment.set('accessToken', body.accessToken);",
  "  if (body.refreshToken) pm.environment.set('refreshToken', body.refreshToken);",
  "  if (body.id) pm.environment.set('userId', body.id);",
  '}',
];

function convert(): Promise<PostmanCollection> {
  return new Promise((resolve, reject) => {
    Converter.convert(
      { type: 'json', data: createOpenApiDocument() },
      // Schema placeholders rather than random examples keep the output the same every run.
      { folderStrategy: 'Tags', parametersResolution: 'Schema' },
      (err, result) => {
        const data = result?.result ? (result.output?.[0]?.data as unknown as PostmanCollection | undefined) : undefined;
        const reason = err instanceof Error ? err.message : result && !result.result ? result.reason : 'no output';
        if (err || !data) reject(new Error(`conversion failed: ${reason}`));
        else resolve(data);
      },
    );
  });
}

export async function buildPostman(): Promise<{ collection: PostmanCollection; environment: object; journey: object }> {
  const collection = await convert();
  collection.info = {
    _postman_id: uuidv5('auth-api', ID_NAMESPACE),
    name: 'auth-api',
    description: 'Generated from /api/docs.json by `npm run postman`. Import with the environment file beside it.',
    schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
  };
  collection.auth = {
    type: 'apikey',
    apikey: [
      { key: 'key', value: 'x-access-token', type: 'string' },
      { key: 'value', value: '{{accessToken}}', type: 'string' },
      { key: 'in', value: 'header', type: 'string' },
    ],
  };
  collection.variable = [];

  const visit = (items: PostmanItem[], parent: string) => {
    for (const item of items) {
      const request = item.request;
      const name = request ? `${request.method} ${request.url.path.join('/')}` : `${parent}/${item.name}`;
      item.id = uuidv5(name, ID_NAMESPACE);
      if (item.item) visit(item.item, name);
      if (!request) continue;
      // The converter's example replies are random values; the document has the real shapes.
      delete item.response;
      delete request.auth; // inherit the collection's x-access-token
      const key = `${request.method} ${request.url.path.join('/')}`;
      const body = BODIES[key];
      if (body !== undefined && request.body) request.body.raw = JSON.stringify(body, null, 2);
      for (const variable of request.url.variable ?? []) variable.value = `{{${variable.key}}}`;
      if (key === 'POST api/auth/signin' || key === 'POST api/auth/refreshtoken') {
        item.event = [{ listen: 'test', script: { type: 'text/javascript', exec: STORE_TOKENS } }];
      }
    }
  };
  visit(collection.item, '');

  const environment = {
    name: ENV_NAME,
    values: [
      ['baseUrl', 'http://localhost:8080'],
      ['username', 'alice'],
      ['email', 'alice@example.com'],
      ['password', 'correct horse battery'],
      ['newPassword', 'another long password'],
      ['accessToken', ''],
      ['refreshToken', ''],
      ['userId', ''],
      ['sessionId', ''],
      // The journey's admin: the service's ADMIN_USERNAME and ADMIN_PASSWORD.
      ['adminUsername', 'admin'],
      ['adminPassword', 'change-this-root-password'],
      ['adminToken', ''],
      ['adminRefreshToken', ''],
    ].map(([key, value]) => ({ key, value, type: key!.endsWith('Token') || key!.includes('assword') ? 'secret' : 'default', enabled: true })),
  };
  return { collection, environment, journey: buildJourney() };
}

export const POSTMAN_FILES = {
  collection: path.resolve(__dirname, '../docs/auth-api.postman_collection.json'),
  environment: path.resolve(__dirname, '../docs/auth-api.postman_environment.json'),
  journey: path.resolve(__dirname, '../docs/auth-api.journey.postman_collection.json'),
};

export const toJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

async function main() {
  const { collection, environment, journey } = await buildPostman();
  await writeFile(POSTMAN_FILES.collection, toJson(collection));
  await writeFile(POSTMAN_FILES.environment, toJson(environment));
  await writeFile(POSTMAN_FILES.journey, toJson(journey));
  process.stdout.write(`wrote ${POSTMAN_FILES.collection}\nwrote ${POSTMAN_FILES.environment}\nwrote ${POSTMAN_FILES.journey}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
