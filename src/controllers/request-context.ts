import type { Request } from 'express';
import type { ClientContext } from '../services/session.service';
import { AppError, Messages } from '../utils/app-error';

/** Plain facts about the caller that services may record; services never see `req`. */
export const clientContext = (req: Request): ClientContext => ({ ip: req.ip, userAgent: req.get('user-agent') });

/** The verified caller; routes using this sit behind verifyToken. */
export function caller(req: Request): NonNullable<Request['auth']> {
  if (!req.auth) throw new AppError(403, 'NO_TOKEN', Messages.noToken);
  return req.auth;
}
