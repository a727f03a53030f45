import { readFile } from 'node:fs/promises';
import { createOpenApiDocument } from '../../src/docs/openapi';
import { buildPostman, POSTMAN_FILES, toJson, type PostmanCollection } from '../../scripts/postman';
import { JOURNEY_OPERATIONS } from '../../scripts/postman-journey';

type Item = PostmanCollection['item'][number];
const requests = (items: Item[]): Item[] => items.flatMap((i) => (i.item ? requests(i.item) : [i]));

describe('Postman collection', () => {
  it('has a request for every operation of the OpenAPI document', async () => {
    const { collection } = await buildPostman();
    const operations = Object.values(createOpenApiDocument().paths ?? {}).flatMap((ops) => Object.keys(ops ?? {}));
    expect(requests(collection.item)).toHaveLength(operations.length);
  });

  it('sends the stored access token and keeps the tokens from sign-in and refresh', async () => {
    const { collection, environment } = await buildPostman();
    expect(JSON.stringify(collection.auth)).toContain('{{accessToken}}');
    const all = requests(collection.item);
    for (const path of ['api/auth/signin', 'api/auth/refreshtoken']) {
      const item = all.find((i) => i.request?.url.path.join('/') === path)!;
      expect(JSON.stringify(item.event)).toContain("pm.environment.set('accessToken'");
      expect(JSON.stringify(item.event)).toContain("pm.environment.set('refreshToken'");
    }
    const refresh = all.find((i) => i.request?.url.path.join('/') === 'api/auth/refreshtoken')!;
    expect(JSON.parse(refresh.request!.body!.raw!)).toEqual({ refreshToken: '{{refreshToken}}' });
    expect(JSON.stringify(environment)).toContain('"baseUrl"');
  });

  it('is committed up to date (run `npm run postman` after changing the API)', async () => {
    const { collection, environment, journey } = await buildPostman();
    expect(await readFile(POSTMAN_FILES.collection, 'utf8')).toBe(toJson(collection));
    expect(await readFile(POSTMAN_FILES.environment, 'utf8')).toBe(toJson(environment));
    expect(await readFile(POSTMAN_FILES.journey, 'utf8')).toBe(toJson(journey));
  });

  it('has a journey of documented operations, each asserting its status and reply (CI runs it with newman)', async () => {
    const { journey } = await buildPostman();
    const paths = createOpenApiDocument().paths ?? {};
    for (const operation of JOURNEY_OPERATIONS) {
      const [method, route] = operation.split(' ');
      expect([operation, Boolean((paths as Record<string, Record<string, unknown>>)[route!]?.[method!.toLowerCase()])]).toEqual([operation, true]);
    }
    for (const item of (journey as { item: { name: string; event: { listen: string; script: { exec: string[] } }[] }[] }).item) {
      const test = item.event.find((e) => e.listen === 'test')!.script.exec.join('\n');
      expect([item.name, /pm\.response\.to\.have\.status\(\d{3}\)/.test(test), test.includes('pm.expect(')]).toEqual([item.name, true, true]);
    }
  });
});
