import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import mongoose from 'mongoose';
import type { Logger } from '../config/logger';
import { findMongod } from './mongod-binary';
import { ActionToken } from '../models/action-token.model';
import { AuditEvent, AuditHour } from '../models/audit-event.model';
import { Passkey } from '../models/passkey.model';
import { RefreshToken } from '../models/refresh-token.model';
import { Role } from '../models/role.model';
import { SpentToken } from '../models/spent-token.model';
import { User } from '../models/user.model';

export interface EmbeddedMongo {
  uri: string;
  stop(): Promise<void>;
}

/**
 * Development convenience: a real mongod managed by mongodb-memory-server, with its files in
 * `dataDir` so that accounts survive a restart. The binary is found by findMongod (which
 * fetches one when needed). Loaded lazily: production never needs it, nor has it installed.
 */
export async function startEmbeddedMongo(dataDir: string, logger: Logger, systemBinary?: string): Promise<EmbeddedMongo> {
  const dbPath = path.resolve(dataDir);
  await mkdir(dbPath, { recursive: true });
  logger.info({ dbPath }, 'no MONGODB_URI set: starting an embedded mongod');
  const binary = await findMongod({ systemBinary, progress: (message) => logger.info(message) });
  logger.info({ mongod: binary.path, version: binary.version }, `mongod ${binary.version} from ${binary.source}`);
  const { MongoMemoryServer } = await import('mongodb-memory-server');
  const server = await MongoMemoryServer.create({
    instance: { dbPath, storageEngine: 'wiredTiger' },
    binary: { systemBinary: binary.path, version: binary.version },
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

/**
 * While MongoDB is away (an outage, a primary election), requests must fail fast with a 503
 * rather than hang: Mongoose does not queue commands, and the driver gives up selecting a
 * server after a second (with one retry for retryable reads and writes, under two seconds).
 */
export const SERVER_SELECTION_TIMEOUT_MS = 900;

/**
 * `maxPoolSize`: connections to each server. Fewer sockets than the driver's default of 100
 * serve a loaded instance with less CPU per command (fewer wake-ups, more replies per read):
 * measured on the refresh path, 886 µs of CPU per request with 100, 669 µs with 10, 711 µs
 * with 4, and a third more requests per second (BENCHMARKS.md). A command waits for a free
 * connection instead, which costs nothing while each command takes well under a millisecond.
 */
export async function connectDatabase(
  uri: string,
  logger: Logger,
  { maxPoolSize = 10, startupTimeoutMs = 60_000 }: { maxPoolSize?: number; startupTimeoutMs?: number } = {},
): Promise<typeof mongoose> {
  mongoose.set('bufferCommands', false);
  const deadline = Date.now() + startupTimeoutMs;
  // Start-up waits for MongoDB (it may be starting too); requests later do not.
  for (;;) {
    try {
      return await mongoose.connect(uri, {
        serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
        connectTimeoutMS: 10_000,
        // Notice a returning server (or a new primary) within about two seconds.
        heartbeatFrequencyMS: 2_000,
        retryWrites: true,
        retryReads: true,
        maxPoolSize,
      });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'MongoDB not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Builds every index (unique, TTL) before the service takes traffic. */
export async function ensureIndexes(): Promise<void> {
  await Promise.all([User, Role, RefreshToken, ActionToken, Passkey, SpentToken, AuditEvent, AuditHour].map((model) => model.createIndexes()));
}

export async function disconnectDatabase(): Promise<void> {
  await mongoose.disconnect();
}
