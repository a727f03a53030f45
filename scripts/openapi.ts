// Writes the OpenAPI document the service serves at /api/docs.json to a file (default
// docs/openapi.json): for the linters (`npm run lint:openapi`) and the typed client the demo
// page and the admin console use (demo/api-schema.d.ts, `npm run client`).
//   tsx scripts/openapi.ts [file]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createOpenApiDocument } from '../src/docs/openapi';

const file = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'docs', 'openapi.json'));
writeFileSync(file, `${JSON.stringify(createOpenApiDocument(), null, 2)}\n`);
console.log(`wrote ${file}`);
