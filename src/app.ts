import { randomUUID } from 'node:crypto';
import path from 'node:path';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import mongoose from 'mongoose';
import { pinoHttp } from 'pino-http';
import type { Config } from './config/config';
import type { Logger } from './config/logger';
import { createAccountController } from './controllers/account.controller';
import { createAuthController } from './controllers/auth.controller';
import { createHealthController } from './controllers/health.controller';
import { createUserAdminController } from './controllers/user-admin.controller';
import { createAuthMiddleware } from './middlewares/auth.middleware';
import { errorHandler, notFound } from './middlewares/error.middleware';
import { rejectOtherMethods } from './middlewares/method-not-allowed.middleware';
import { rateLimitByIp } from './middlewares/rate-limit.middleware';
import { authRoutes } from './routes/auth.routes';
import { boardRoutes } from './routes/board.routes';
import { docsRoutes } from './routes/docs.routes';
import { healthRoutes } from './routes/health.routes';
import { userRoutes } from './routes/user.routes';
import { createServices, type Services } from './services';
import { systemClock, type Clock } from './utils/clock';

export interface AppDeps {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** Prebuilt services (e.g. shared with start-up code); built from config when omitted. */
  services?: Services;
}

const REQUEST_ID = /^[\w.-]{1,128}$/;

// Built by `npm run build` (scripts/build-demo.mjs); the same path from src/ and from dist/.
const DEMO_DIR = path.resolve(__dirname, '..', 'dist', 'demo');

/** The HTTP application. It neither listens nor connects: server.ts and the tests do that. */
export function createApp({ config, logger, clock = systemClock, services }: AppDeps): Express {
  const built = services ?? createServices({ config, clock, logger, connection: mongoose.connection });
  const guard = createAuthMiddleware(built.tokens, built.userState);

  const app = express();
  app.disable('x-powered-by');
  // Who may set X-Forwarded-For: nobody by default, so req.ip (the rate limiters' key) is
  // the socket's address and cannot be forged.
  app.set('trust proxy', config.trustProxy);

  app.use(
    pinoHttp({
      logger,
      // Reuse a well-formed id from a proxy so one request can be followed across hops.
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
    }),
  );
  app.use(helmet());
  const allowedOrigins = new Set(config.corsOrigins);
  app.use(
    cors((req, callback) => {
      const origin = req.headers.origin;
      const allowed = origin !== undefined && allowedOrigins.has(origin);
      // Credentials (the refresh-token cookie) only for the configured origins; others get
      // no CORS headers at all.
      callback(null, {
        origin: allowed ? origin : false,
        credentials: allowed,
        methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowedHeaders: ['x-access-token', 'Authorization', 'Content-Type'],
        exposedHeaders: ['x-request-id', 'Retry-After'],
        maxAge: 600,
      });
    }),
  );

  app.get('/', (_req, res) => {
    res.json({ message: 'Welcome to the auth API. Sign up at POST /api/auth/signup.', docs: '/api/docs', demo: '/demo/' });
  });
  rejectOtherMethods(app.router);
  app.use('/health', healthRoutes(createHealthController(built.health)));
  app.use('/demo', express.static(DEMO_DIR, { fallthrough: true }));
  app.use('/api', docsRoutes());
  app.use(
    '/api/auth',
    authRoutes(createAuthController(built.auth), guard, rateLimitByIp(built.requestThrottle, logger)),
  );
  app.use('/api/test', boardRoutes(guard));
  app.use(
    '/api/users',
    userRoutes(createAccountController(built.account), createUserAdminController(built.userAdmin), guard),
  );

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
