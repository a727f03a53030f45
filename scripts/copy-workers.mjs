// tsc compiles TypeScript only; the worker-thread scripts are plain CommonJS, copied as is.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(path.join(root, 'dist', 'services', 'password'), { recursive: true });
copyFileSync(path.join(root, 'src/services/password/worker.cjs'), path.join(root, 'dist/services/password/worker.cjs'));
