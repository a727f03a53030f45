import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import mongoose from 'mongoose';
import type { Logger } from '../config/logger';
import { RefreshToken } from '../models/refresh-token.model';
import { Role } from '../models/role.model';
import { User } from '../models/user.model';

export interface EmbeddedMongo {
  uri: string;
  stop(): Promise<void>;
}

/**
 * Development convenience: a real mongod managed by mongodb-memory-server, with its files in
 * `dataDir` so that accounts survive a restart. Loaded lazily: production never needs it.
 */
export async function startEmbeddedMongo(dataDir: string, logger: Logger): Promise<EmbeddedMongo> {
  const dbPath = path.resolve(dataDir);
  await mkdir(dbPath, { recursive: true });
  const { MongoMemoryServer } = await import('mongodb-memory-server');
  logger.info({ dbPath }, 'no MONGODB_URI set: starting an embedded mongod (first start may download it)');
  const server = await MongoMemoryServer.create({
    instance: { dbPath, storageEngine: 'wiredTiger' },
  });
  logger.info({ dbPath }, 'embedded mongod is running; its data is kept in this folder');
  return {
    uri: server.getUri('auth'),
    // doCleanup false: keep the data folder, it is the whole point of a dbPath.
    stop: async () => {
      await server.stop({ doCleanup: false });
    },
  };
}

export async function connectDatabase(uri: string): Promise<typeof mongoose> {
  return mongoose.connect(uri, { serverSelectionTimeoutMS: 10_000 });
}

/** Builds every index (unique, TTL) before the service takes traffic. */
export async function ensureIndexes(): Promise<void> {
  await Promise.all([User, Role, RefreshToken].map((model) => model.createIndexes()));
}

export async function disconnectDatabase(): Promise<void> {
  await mongoose.disconnect();
}
