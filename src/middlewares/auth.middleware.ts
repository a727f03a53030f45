import type { Request, RequestHandler } from 'express';
import type { RoleName } from '../config/roles';
import type { AccessTokenClaims, TokenService } from '../services/token.service';
import type { UserState, UserStateService } from '../services/user-state.service';
import { AppError, Messages } from '../utils/app-error';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The access token from `x-access-token` (the SPA clients) or `Authorization: Bearer`. */
export function readAccessToken(req: Request): string | undefined {
  const header = req.headers['x-access-token'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const match = BEARER.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function authorize(claims: AccessTokenClaims, state: UserState | undefined): NonNullable<Request['auth']> {
  if (!state) throw new AppError(401, 'USER_NOT_FOUND', Messages.unauthorized);
  if (state.disabled) throw new AppError(401, 'ACCOUNT_DISABLED', Messages.unauthorized);
  // Issued before the last password change: that change signed every session out.
  if (claims.version !== state.tokenVersion) throw new AppError(401, 'TOKEN_REVOKED', Messages.unauthorized);
  return { userId: claims.userId, sessionId: claims.sessionId, roles: state.roles, tokenVersion: claims.version };
}

const ROLE_LABELS: Record<RoleName, string> = { user: 'User', moderator: 'Moderator', admin: 'Admin' };

export interface AuthMiddleware {
  /**
   * 403 without a token; 401 for an expired or invalid one, or one whose user is deleted or
   * disabled. Sets req.auth with the user's current roles.
   */
  verifyToken: RequestHandler;
  /** Sets req.auth.userId when a valid token is present; never fails the request. */
  optionalToken: RequestHandler;
  /** After verifyToken: 403 unless the user holds `role`. */
  requireRole(role: RoleName): RequestHandler;
}

export function createAuthMiddleware(tokens: TokenService, userState: UserStateService): AuthMiddleware {
  return {
    verifyToken(req, _res, next) {
      const token = readAccessToken(req);
      if (token === undefined) throw new AppError(403, 'NO_TOKEN', Messages.noToken);
      const claims = tokens.verifyAccessToken(token);
      // Roles and status are read (through a sub-second cache) on every request, so that
      // deleting or disabling a user, or changing their roles, applies to tokens already
      // issued. A fresh cached answer is used without a promise: this is the hot path.
      const known = userState.peek(claims.userId);
      if (known) {
        req.auth = authorize(claims, known.state);
        next();
        return undefined;
      }
      return userState.get(claims.userId).then((state) => {
        req.auth = authorize(claims, state);
        next();
      });
    },

    optionalToken(req, _res, next) {
      const token = readAccessToken(req);
      if (token !== undefined) {
        try {
          const { userId, sessionId, version } = tokens.verifyAccessToken(token);
          req.auth = { userId, sessionId, roles: [], tokenVersion: version };
        } catch {
          // A stale token does not stop an anonymous request; where the token is needed
          // (an admin granting roles at sign-up) the service refuses with a 403.
        }
      }
      next();
    },

    requireRole(role) {
      return (req, _res, next) => {
        if (!req.auth) throw new AppError(403, 'NO_TOKEN', Messages.noToken);
        if (!req.auth.roles.includes(role)) {
          throw new AppError(403, 'FORBIDDEN', Messages.requireRole(ROLE_LABELS[role]));
        }
        next();
      };
    },
  };
}
