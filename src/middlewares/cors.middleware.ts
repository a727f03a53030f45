import type { RequestHandler } from 'express';
import cors from 'cors';
import type { Logger } from '../config/logger';

/** Refused origins are logged once per origin per this many ms, so a busy page cannot flood the log. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;
const MAX_REMEMBERED_ORIGINS = 1_000;

/**
 * CORS with credentials (the refresh-token cookie), for the configured origins only.
 * Requests from other origins, or without an Origin header (curl, servers), get no CORS
 * headers at all and skip the cors package's work. A preflight from an origin not allowed is
 * answered 204 with no CORS headers (the browser then refuses the request, which is the
 * point), not a 405, and the log names the origin: a developer whose page runs on another
 * port (Vite's 5173, CRA's 3000) sees at once that CORS_ORIGINS lacks it.
 */
export function corsForOrigins(origins: readonly string[], logger?: Logger): RequestHandler {
  const allowed = new Set(origins);
  const withCors = cors({
    origin: true,
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['x-access-token', 'Authorization', 'Content-Type'],
    exposedHeaders: ['x-request-id', 'Retry-After'],
    maxAge: 600,
  });
  const loggedAt = new Map<string, number>();
  const noteRefusal = (origin: string) => {
    const now = Date.now();
    if ((loggedAt.get(origin) ?? 0) + REFUSAL_LOG_INTERVAL_MS > now) return;
    if (loggedAt.size >= MAX_REMEMBERED_ORIGINS) loggedAt.clear();
    loggedAt.set(origin, now);
    logger?.warn({ origin: origin.slice(0, 200), allowed: origins }, 'CORS: a page of an origin not in CORS_ORIGINS was refused');
  };
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) {
      withCors(req, res, next);
      return;
    }
    if (origin !== undefined && req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      noteRefusal(origin);
      res.statusCode = 204;
      res.end();
      return;
    }
    next();
  };
}
