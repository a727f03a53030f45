import type { Server } from 'node:http';
import mongoose from 'mongoose';
import { createApp } from './app';
import { createHttpServer } from './http-server';
import { ConfigError, loadConfig, type Config } from './config/config';
import { createLogger, type Logger } from './config/logger';
import { connectDatabase, disconnectDatabase, ensureIndexes, startEmbeddedMongo, type EmbeddedMongo } from './db/mongo';
import { supportsTransactions } from './db/transaction';
import { createServices } from './services';
import { bootstrapData } from './services/bootstrap.service';
import { closePasswordWorkers } from './services/password';
import { anyTotpFactor } from './services/mfa';
import { ensureThrottleIndexes } from './services/throttle';
import { systemClock } from './utils/clock';

const SHUTDOWN_TIMEOUT_MS = 10_000;

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      // The logger is configured from the config, so this one message goes to stderr directly.
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger({
    level: config.logLevel,
    // Readable lines in a terminal, JSON lines for everything else (log shippers, files).
    pretty: (config.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty',
  });
  if (config.jwt.secretIsEphemeral) {
    logger.warn('JWT_SECRET is not set: using a random secret for this process; tokens will not survive a restart');
  }

  let embedded: EmbeddedMongo | undefined;
  let uri = config.mongo.uri;
  if (uri === undefined) {
    embedded = await startEmbeddedMongo(config.mongo.embeddedDataDir, logger, config.mongo.systemBinary);
    uri = embedded.uri;
  }
  await connectDatabase(uri, logger, { maxPoolSize: config.mongo.maxPoolSize });
  await Promise.all([ensureIndexes(), ensureThrottleIndexes(mongoose.connection)]);
  if (!(await supportsTransactions(mongoose.connection))) {
    // The embedded development mongod is a standalone server; a configured one should not be.
    const say = embedded ? logger.info.bind(logger) : logger.warn.bind(logger);
    say(
      'MongoDB is a standalone server: changes that span documents (a password change and its sessions, the last-admin guard) ' +
        'are not atomic under races; use a replica set in production',
    );
  }
  if (config.email.smtpUrl === undefined) {
    if (config.env === 'production') {
      logger.warn('SMTP_URL is not set: password-reset and verification mails cannot be sent (those requests get 503)');
    } else {
      logger.info('SMTP_URL is not set: mails are printed to stdout instead of sent');
    }
  }
  if (config.mfa.encryptionKey === undefined) {
    if (config.env === 'production') {
      // The secrets exist and nothing here can read them: every such user would be locked out.
      if (await anyTotpFactor()) {
        logger.fatal('DATA_ENCRYPTION_KEY is required: users have authenticator apps whose secrets it encrypts');
        logger.flush();
        process.exit(1);
      }
      logger.warn('DATA_ENCRYPTION_KEY is not set: authenticator apps cannot be enrolled (those requests get 503)');
    } else {
      logger.info('DATA_ENCRYPTION_KEY is not set: TOTP secrets are encrypted with a fixed development key');
    }
  }
  const services = createServices({ config, clock: systemClock, logger, connection: mongoose.connection });
  await bootstrapData({ ...services, logger }, config.initialAdmin);

  const app = createApp({ config, logger, services });
  const server = createHttpServer(app, config.http).listen(config.port, () => {
    logger.info({ port: config.port, env: config.env }, 'auth API listening');
    logger.flush(); // at once, not with the next batch: supervisors and tests wait for it
  });
  server.on('error', (err) => {
    logger.fatal({ err }, 'HTTP server error');
    process.exit(1);
  });

  installShutdown(server, logger, embedded, () => services.auditWriter.flush());
}

function installShutdown(server: Server, logger: Logger, embedded: EmbeddedMongo | undefined, flushAudit: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    // If a connection or the database hangs, exit anyway rather than never.
    setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();

    server.close(() => {
      void (async () => {
        try {
          // The last requests' audit events, before the connection goes.
          await flushAudit();
          await disconnectDatabase();
          await closePasswordWorkers();
          await embedded?.stop();
          logger.info('shutdown complete');
          process.exit(0);
        } catch (err) {
          logger.error({ err }, 'error during shutdown');
          process.exit(1);
        }
      })();
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`auth API failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
