import { MongoMemoryReplSet } from 'mongodb-memory-server';

declare global {
  var __MONGOD__: MongoMemoryReplSet | undefined;
}

/**
 * Starts one real mongod for the test run: a single-node replica set, so that transactions
 * work as in production. Offline machines point mongodb-memory-server at a local binary with
 * MONGOMS_SYSTEM_BINARY (see scripts/offline-mongod.sh); elsewhere it downloads one.
 */
export default async function globalSetup(): Promise<void> {
  const mongod = await MongoMemoryReplSet.create({ replSet: { count: 1, storageEngine: 'wiredTiger' } });
  globalThis.__MONGOD__ = mongod;
  // Workers are forked after global setup and inherit this.
  process.env.TEST_MONGODB_URI = mongod.getUri();
}
