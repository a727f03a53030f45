// Builds the browser pages into dist/: the demo (dist/demo) and the admin console
// (dist/admin). Each page's TypeScript is bundled by esbuild into one ES module (they share
// demo/client.ts); `npm run typecheck` type-checks them (demo/ and admin/ tsconfigs). HTML
// and CSS are copied as they are.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

await build({
  entryPoints: {
    'demo/main': path.join(root, 'demo', 'main.ts'),
    'demo/link': path.join(root, 'demo', 'link.ts'),
    'admin/main': path.join(root, 'admin', 'main.ts'),
  },
  outdir: dist,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
});

const copies = {
  demo: ['index.html', 'reset-password.html', 'verify-email.html', 'confirm-email.html', 'style.css'],
  admin: ['index.html', 'admin.css'],
};
for (const [page, files] of Object.entries(copies)) {
  mkdirSync(path.join(dist, page), { recursive: true });
  for (const file of files) copyFileSync(path.join(root, page, file), path.join(dist, page, file));
}

// The last step of `npm run build`: when the build was complete (see scripts/ensure-built.mjs).
writeFileSync(path.join(dist, '.build-stamp'), `${new Date().toISOString()}\n`);
