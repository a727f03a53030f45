import type { Request, RequestHandler } from 'express';
import type { RoleName } from '../config/roles';
import type { TokenService } from '../services/token.service';
import type { UserService } from '../services/user.service';
import { AppError, Messages } from '../utils/app-error';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The access token from `x-access-token` (the SPA clients) or `Authorization: Bearer`. */
export function readAccessToken(req: Request): string | undefined {
  const header = req.headers['x-access-token'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const match = BEARER.exec(req.headers.authorization ?? '');
  return match?.[1];
}

const ROLE_LABELS: Record<RoleName, string> = { user: 'User', moderator: 'Moderator', admin: 'Admin' };

export interface AuthMiddleware {
  /** 403 without a token, 401 for an expired or invalid one; sets req.auth. */
  verifyToken: RequestHandler;
  /** Sets req.auth when a valid token is present; never fails the request. */
  optionalToken: RequestHandler;
  /** After verifyToken: 403 unless the user (read fresh from the database) holds `role`. */
  requireRole(role: RoleName): RequestHandler;
}

export function createAuthMiddleware(tokens: TokenService, users: UserService): AuthMiddleware {
  return {
    verifyToken(req, _res, next) {
      const token = readAccessToken(req);
      if (token === undefined) throw new AppError(403, 'NO_TOKEN', Messages.noToken);
      req.auth = tokens.verifyAccessToken(token);
      next();
    },

    optionalToken(req, _res, next) {
      const token = readAccessToken(req);
      if (token !== undefined) {
        try {
          req.auth = tokens.verifyAccessToken(token);
        } catch {
          // A stale token does not stop an anonymous request; where the token is needed
          // (e.g. an admin granting roles at sign-up) the service refuses with a 403.
        }
      }
      next();
    },

    requireRole(role) {
      const denied = () => new AppError(403, 'FORBIDDEN', Messages.requireRole(ROLE_LABELS[role]));
      return async (req, _res, next) => {
        if (!req.auth) throw new AppError(403, 'NO_TOKEN', Messages.noToken);
        const roles = await users.roleNames(req.auth.userId);
        // The token outlived its user (deleted account): the token no longer authorizes.
        if (roles === undefined) throw new AppError(401, 'TOKEN_INVALID', Messages.unauthorized);
        if (!roles.includes(role)) throw denied();
        next();
      };
    },
  };
}
