import type { RequestHandler } from 'express';
import cors from 'cors';

/**
 * CORS with credentials (the refresh-token cookie), for the configured origins only.
 * Requests from other origins, or without an Origin header (curl, servers), get no CORS
 * headers at all and skip the cors package's work.
 */
export function corsForOrigins(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  const withCors = cors({
    origin: true,
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['x-access-token', 'Authorization', 'Content-Type'],
    exposedHeaders: ['x-request-id', 'Retry-After'],
    maxAge: 600,
  });
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) withCors(req, res, next);
    else next();
  };
}
