// Starts a local 3-member MongoDB replica set (mongodb-memory-server) for trying the
// production setup; prints its connection string and runs until Ctrl-C.
//   node scripts/local-replset.mjs
import { MongoMemoryReplSet } from 'mongodb-memory-server';

const replSet = await MongoMemoryReplSet.create({ replSet: { count: 3, storageEngine: 'wiredTiger' } });
console.log(replSet.getUri('auth'));
const stop = async () => {
  await replSet.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
