import { MongoMemoryServer } from 'mongodb-memory-server';

declare global {
  var __MONGOD__: MongoMemoryServer | undefined;
}

/**
 * Starts one real mongod for the test run. Offline machines point mongodb-memory-server at a
 * local binary with MONGOMS_SYSTEM_BINARY (see scripts/offline-mongod.sh); elsewhere it
 * downloads one on first use.
 */
export default async function globalSetup(): Promise<void> {
  const mongod = await MongoMemoryServer.create({ instance: { storageEngine: 'wiredTiger' } });
  globalThis.__MONGOD__ = mongod;
  // Workers are forked after global setup and inherit this.
  process.env.TEST_MONGODB_URI = mongod.getUri();
}
