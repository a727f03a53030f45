// Starts a local 3-member MongoDB replica set (mongodb-memory-server) for trying the
// production setup; prints its connection string and runs until Ctrl-C. The mongod is found
// as for `npm start` (dist/db/mongod-binary.js: run `npm run build` first).
//   node scripts/local-replset.mjs
import { MongoMemoryReplSet } from 'mongodb-memory-server';
import mongodBinary from '../dist/db/mongod-binary.js';

const binary = await mongodBinary.findMongod({ systemBinary: process.env.MONGOMS_SYSTEM_BINARY, progress: (m) => console.error(m) });
console.error(`mongod ${binary.version} from ${binary.source}`);
const replSet = await MongoMemoryReplSet.create({
  binary: { systemBinary: binary.path, version: binary.version },
  replSet: { count: 3, storageEngine: 'wiredTiger' },
});
console.log(replSet.getUri('auth'));
const stop = async () => {
  await replSet.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
