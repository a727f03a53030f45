import { findMongod } from '../../src/db/mongod-binary';

/**
 * The suite starts and stops mongods of its own through mongodb-memory-server; they all run
 * the binary findMongod finds (as `npm start` and `npm test` do), given through its variables.
 */
export default async function globalSetup(): Promise<void> {
  const binary = await findMongod({ systemBinary: process.env.MONGOMS_SYSTEM_BINARY, progress: (m) => process.stderr.write(`${m}\n`) });
  process.stderr.write(`\nmongod ${binary.version} from ${binary.source}\n`);
  process.env.MONGOMS_SYSTEM_BINARY = binary.path;
  process.env.MONGOMS_VERSION = binary.version;
}
