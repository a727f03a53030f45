import type { RequestHandler } from 'express';
import type { Logger } from '../config/logger';
import type { RequestThrottle } from '../services/throttle';
import { isDatabaseUnavailable } from '../db/errors';
import { AppError } from '../utils/app-error';

/**
 * Limits requests per client address (an IPv6 client per network prefix, see addressKey).
 * `req.ip` honours the `trust proxy` setting only, so a client cannot pick its own key with
 * X-Forwarded-For unless a trusted proxy is configured.
 */
export function rateLimitByIp(throttle: RequestThrottle, logger: Logger): RequestHandler {
  return async (req, _res, next) => {
    try {
      await throttle.consume(req.ip);
    } catch (err) {
      // MongoDB away: the request could not be served anyway; say so at once (503).
      if (err instanceof AppError || isDatabaseUnavailable(err)) throw err;
      // Any other failure of the limiter's store must not take sign-in down with it.
      logger.error({ err }, 'rate limiter unavailable; request let through');
    }
    next();
  };
}
