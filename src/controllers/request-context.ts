import type { Request } from 'express';
import type { Requester } from '../services/auth.service';
import type { ClientContext } from '../services/session.service';
import { AppError, Messages } from '../utils/app-error';

/**
 * Plain facts about the caller that services may record; services never see `req`. The
 * session is present only when an access token came with the request (absent keys, not
 * undefined ones: events spread this over fields of their own).
 */
export const clientContext = (req: Request): ClientContext => ({
  ip: req.ip,
  userAgent: req.get('user-agent'),
  requestId: req.id,
  ...(req.auth?.sessionId ? { sessionId: req.auth.sessionId } : {}),
});

/** The verified caller; routes using this sit behind verifyToken. */
export function caller(req: Request): NonNullable<Request['auth']> {
  if (!req.auth) throw new AppError(403, 'NO_TOKEN', Messages.noToken);
  return req.auth;
}

/** The caller of a route behind optionalToken, when a valid token came with the request. */
export const requester = (req: Request): Requester | undefined =>
  req.auth ? { userId: req.auth.userId, tokenVersion: req.auth.tokenVersion } : undefined;

/** A request whose body the validate middleware has parsed into `T`. */
export type BodyRequest<T, P = Record<string, string>> = Request<P, unknown, T>;
