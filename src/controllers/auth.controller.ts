import type { CookieOptions, Request, Response } from 'express';
import type { AuthService } from '../services/auth.service';
import { Messages } from '../utils/app-error';
import type { RefreshTokenInput, SigninInput, SignupInput } from '../validations/auth.validation';
import { caller, clientContext } from './request-context';

// Bodies arrive already parsed by the validate middleware, hence the typed Request bodies.
type BodyRequest<T> = Request<Record<string, string>, unknown, T>;

export const REFRESH_COOKIE = 'refreshToken';

// HttpOnly: page scripts cannot read it. Strict same-site: other sites cannot make the
// browser send it. Path: only the auth endpoints ever receive it.
const cookieOptions: CookieOptions = { httpOnly: true, secure: true, sameSite: 'strict', path: '/api/auth' };

function cookieToken(req: Request): string | undefined {
  const cookies = req.cookies as Record<string, unknown> | undefined;
  const value = cookies?.[REFRESH_COOKIE];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The body's refresh token, else the cookie's; and whether the cookie carried it. */
function presentedToken(req: BodyRequest<RefreshTokenInput>) {
  if (req.body.refreshToken) return { token: req.body.refreshToken, fromCookie: false };
  const token = cookieToken(req);
  return { token, fromCookie: token !== undefined };
}

export function createAuthController(auth: AuthService) {
  return {
    signup: async (req: BodyRequest<SignupInput>, res: Response) => {
      await auth.signup(req.body, req.auth?.userId);
      res.status(200).json({ message: Messages.signupOk });
    },

    signin: async (req: BodyRequest<SigninInput>, res: Response) => {
      const { refreshTokenTransport, ...credentials } = req.body;
      const { refreshToken, refreshTokenExpiresAt, ...profile } = await auth.signin(credentials, clientContext(req));
      if (refreshTokenTransport === 'cookie') {
        res.cookie(REFRESH_COOKIE, refreshToken, { ...cookieOptions, expires: refreshTokenExpiresAt });
        res.status(200).json(profile);
        return;
      }
      res.status(200).json({ ...profile, refreshToken });
    },

    refreshToken: async (req: BodyRequest<RefreshTokenInput>, res: Response) => {
      const { token, fromCookie } = presentedToken(req);
      const { accessToken, refreshToken, refreshTokenExpiresAt } = await auth.refresh(token, clientContext(req));
      if (fromCookie) {
        res.cookie(REFRESH_COOKIE, refreshToken, { ...cookieOptions, expires: refreshTokenExpiresAt });
        res.status(200).json({ accessToken });
        return;
      }
      res.status(200).json({ accessToken, refreshToken });
    },

    signout: async (req: BodyRequest<RefreshTokenInput>, res: Response) => {
      const { token } = presentedToken(req);
      if (cookieToken(req) !== undefined) res.clearCookie(REFRESH_COOKIE, cookieOptions);
      await auth.signout(token);
      res.status(200).json({ message: Messages.signedOut });
    },

    signoutEverywhere: async (req: Request, res: Response) => {
      const revoked = await auth.signoutEverywhere(caller(req).userId);
      if (cookieToken(req) !== undefined) res.clearCookie(REFRESH_COOKIE, cookieOptions);
      res.status(200).json({ message: Messages.signedOut, revokedSessions: revoked });
    },
  };
}

export type AuthController = ReturnType<typeof createAuthController>;
