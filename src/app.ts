import path from 'node:path';
import express, { type Express } from 'express';
import mongoose from 'mongoose';
import type { Config } from './config/config';
import type { Logger } from './config/logger';
import { createAccountController } from './controllers/account.controller';
import { createAuditController } from './controllers/audit.controller';
import { createAuthController } from './controllers/auth.controller';
import { createHealthController } from './controllers/health.controller';
import { createMfaController } from './controllers/mfa.controller';
import { createUserAdminController } from './controllers/user-admin.controller';
import { createAuthMiddleware } from './middlewares/auth.middleware';
import { errorHandler, notFound } from './middlewares/error.middleware';
import { rejectOtherMethods } from './middlewares/method-not-allowed.middleware';
import { rateLimitByIp } from './middlewares/rate-limit.middleware';
import { requestLog } from './middlewares/request-log.middleware';
import { inSequence } from './middlewares/sequence.middleware';
import { corsForOrigins } from './middlewares/cors.middleware';
import { securityHeaders } from './middlewares/security-headers.middleware';
import { auditRoutes } from './routes/audit.routes';
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

// Built by `npm run build` (scripts/build-demo.mjs); the same paths from src/ and from dist/.
const DEMO_DIR = path.resolve(__dirname, '..', 'dist', 'demo');
const ADMIN_DIR = path.resolve(__dirname, '..', 'dist', 'admin');

/** The HTTP application. It neither listens nor connects: server.ts and the tests do that. */
export function createApp({ config, logger, clock = systemClock, services }: AppDeps): Express {
  const built = services ?? createServices({ config, clock, logger, connection: mongoose.connection });
  const guard = createAuthMiddleware(built.tokens, built.userState);

  const app = express();
  app.disable('x-powered-by');
  // API replies are marked no-store (see securityHeaders), so an ETag would only cost a hash
  // per reply; static files (demo, Swagger UI) keep theirs from serve-static.
  app.set('etag', false);
  // Who may set X-Forwarded-For: nobody by default, so req.ip (the rate limiters' key) is
  // the socket's address and cannot be forged.
  app.set('trust proxy', config.trustProxy);

  // One layer for what every request goes through (see inSequence).
  const accessLog = requestLog(logger, { behindProxy: config.trustProxy !== false });
  app.use(inSequence(accessLog, securityHeaders(), corsForOrigins(config.corsOrigins, logger)));

  // The boards first: they are the hot path, and every router tried before them costs a
  // path match on each of their requests.
  app.use('/api/test', boardRoutes(guard));
  app.use(
    '/api/auth',
    authRoutes(createAuthController(built.auth, built.email, built.passkeys, { allowedOrigins: config.corsOrigins }), guard, {
      credentials: rateLimitByIp(built.credentialRequestThrottle, logger),
      tokens: rateLimitByIp(built.tokenRequestThrottle, logger),
    }),
  );
  app.use(
    '/api/users',
    userRoutes(
      createAccountController(built.account, built.email, built.audit),
      createMfaController(built.totp, built.passkeys),
      createUserAdminController(built.userAdmin, built.email),
      guard,
    ),
  );
  app.use('/api/audit', auditRoutes(createAuditController(built.audit), guard));
  app.use('/api', docsRoutes());
  app.use('/health', healthRoutes(createHealthController(built.health)));
  // `extensions`: the links in mails open /demo/reset-password and the like.
  app.use('/demo', express.static(DEMO_DIR, { fallthrough: true, extensions: ['html'] }));
  // The admin console: a page like the demo; what it shows comes from the admin API, which
  // checks the role on every call.
  app.use('/admin', express.static(ADMIN_DIR, { fallthrough: true }));
  app.get('/', (_req, res) => {
    res.json({ message: 'Welcome to the auth API. Sign up at POST /api/auth/signup.', docs: '/api/docs', demo: '/demo/', admin: '/admin/' });
  });
  rejectOtherMethods(app.router);

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
