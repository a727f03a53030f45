// `npm start`'s first step: builds only when dist/ is missing or older than the sources, so
// that a start takes seconds, not a compile. A production install (`npm ci --omit=dev` on a
// built tree) has no TypeScript and needs no build; when its dist/ is stale, this says so.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const SOURCES = ['src', 'demo', 'admin', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build-demo.mjs', 'scripts/copy-workers.mjs'];

function newest(entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return 0;
  const info = statSync(full);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(full).map((child) => newest(path.join(entry, child))));
}

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const sources = Math.max(...SOURCES.map(newest));
if (built >= sources) process.exit(0);

if (!existsSync(path.join(root, 'node_modules', 'typescript'))) {
  console.error(
    built === 0
      ? 'dist/ is not built and this install has no TypeScript (a production install?): run `npm ci && npm run build` first.'
      : 'dist/ is older than the sources and this install has no TypeScript: rebuild with dev dependencies (`npm ci && npm run build`).',
  );
  process.exit(1);
}
console.error(built === 0 ? 'building (first start)…' : 'sources changed since the last build: building…');
execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
