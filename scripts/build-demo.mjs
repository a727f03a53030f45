// Builds the demo pages into dist/demo: main.ts and link.ts compiled by tsc
// (demo/tsconfig.json), the HTML and CSS copied as they are.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'demo');
mkdirSync(out, { recursive: true });
execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'demo')], {
  stdio: 'inherit',
});
for (const file of ['index.html', 'reset-password.html', 'verify-email.html', 'confirm-email.html', 'style.css']) copyFileSync(path.join(root, 'demo', file), path.join(out, file));
