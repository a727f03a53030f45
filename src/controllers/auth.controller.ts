import type { Request, Response } from 'express';
import type { AuthService, SigninResult } from '../services/auth.service';
import type { PasskeyService } from '../services/mfa';
import type { EmailService } from '../services/email';
import { Messages } from '../utils/app-error';
import type {
  ForgotPasswordInput,
  MailedTokenInput,
  RefreshTokenInput,
  ResetPasswordInput,
  SigninInput,
  SignupInput,
} from '../validations/auth.validation';
import type { PasskeySigninInput, SigninMfaInput } from '../validations/mfa.validation';
import { assertCookieOrigin, clearRefreshCookie, refreshCookie, setRefreshCookie } from './refresh-cookie';
import { caller, clientContext, requester, type BodyRequest } from './request-context';

export { REFRESH_COOKIE } from './refresh-cookie';

/**
 * A 200 JSON reply written directly: what `res.json` sends (same headers; no ETag, which the
 * app turns off), without its content-type lookup and charset re-formatting. For the refresh,
 * the busiest request a client makes after the boards (BENCHMARKS.md).
 */
function sendJson(res: Response, body: object): void {
  const text = JSON.stringify(body);
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', String(Buffer.byteLength(text, 'utf8')));
  res.end(text, 'utf8');
}


/** The reply of a completed sign-in (password, password and code, or passkey), in the transport asked for. */
function sendSignin(res: Response, result: SigninResult, transport: 'body' | 'cookie' | undefined): void {
  const { refreshToken, refreshTokenExpiresAt, ...profile } = result;
  if (transport === 'cookie') {
    setRefreshCookie(res, refreshToken, refreshTokenExpiresAt);
    res.status(200).json(profile);
    return;
  }
  res.status(200).json({ ...profile, refreshToken });
}

export const MailMessages = {
  forgot: 'If an account uses that address, a link to reset its password is on its way.',
  reset: 'Your password was reset. Every session was signed out; sign in with the new password.',
  verified: 'Your email address is verified.',
  emailChanged: 'Your email address was changed.',
} as const;

export function createAuthController(
  auth: AuthService,
  email: EmailService,
  passkeys: PasskeyService,
  { allowedOrigins }: { allowedOrigins: readonly string[] },
) {
  const origins = new Set(allowedOrigins);
  /** The cookie's token, once the request is known to come from an allowed page. */
  const trustedCookie = (req: Request) => {
    const token = refreshCookie(req);
    if (token !== undefined) assertCookieOrigin(req, origins);
    return token;
  };

  return {
    signup: async (req: BodyRequest<SignupInput>, res: Response) => {
      await auth.signup(req.body, requester(req), clientContext(req));
      res.status(200).json({ message: Messages.signupOk });
    },

    signin: async (req: BodyRequest<SigninInput>, res: Response) => {
      const { refreshTokenTransport, ...credentials } = req.body;
      const result = await auth.signin(credentials, clientContext(req));
      // A second factor is due: no token yet; the client continues at /signin/mfa.
      if ('mfaRequired' in result) {
        res.status(200).json(result);
        return;
      }
      sendSignin(res, result, refreshTokenTransport);
    },

    signinMfa: async (req: BodyRequest<SigninMfaInput>, res: Response) => {
      const { refreshTokenTransport, ...input } = req.body;
      sendSignin(res, await auth.completeMfa(input, clientContext(req)), refreshTokenTransport);
    },

    passkeyOptions: async (_req: Request, res: Response) => {
      res.status(200).json(await passkeys.signinOptions());
    },

    passkeySignin: async (req: BodyRequest<PasskeySigninInput>, res: Response) => {
      const { refreshTokenTransport, response } = req.body;
      sendSignin(res, await auth.signinWithPasskey(response, clientContext(req)), refreshTokenTransport);
    },

    refreshToken: async (req: BodyRequest<RefreshTokenInput>, res: Response) => {
      // The body's token, else the cookie's.
      const fromCookie = !req.body.refreshToken;
      const token = req.body.refreshToken || trustedCookie(req);
      const { accessToken, refreshToken, refreshTokenExpiresAt } = await auth.refresh(token, clientContext(req));
      if (fromCookie) {
        setRefreshCookie(res, refreshToken, refreshTokenExpiresAt);
        sendJson(res, { accessToken });
        return;
      }
      sendJson(res, { accessToken, refreshToken });
    },

    signout: async (req: BodyRequest<RefreshTokenInput>, res: Response) => {
      // A body token and a cookie may belong to different sessions: both end, so that
      // "signed out" holds for whatever this browser or client was holding.
      const cookie = trustedCookie(req);
      const tokens = [req.body.refreshToken, cookie].filter((t): t is string => Boolean(t));
      if (cookie !== undefined) clearRefreshCookie(res);
      await auth.signout(tokens, clientContext(req));
      res.status(200).json({ message: Messages.signedOut });
    },

    forgotPassword: async (req: BodyRequest<ForgotPasswordInput>, res: Response) => {
      await email.forgotPassword(req.body.email, clientContext(req));
      res.status(200).json({ message: MailMessages.forgot });
    },

    resetPassword: async (req: BodyRequest<ResetPasswordInput>, res: Response) => {
      await email.resetPassword(req.body.token, req.body.password, clientContext(req));
      res.status(200).json({ message: MailMessages.reset });
    },

    verifyEmail: async (req: BodyRequest<MailedTokenInput>, res: Response) => {
      await email.verifyEmail(req.body.token, clientContext(req));
      res.status(200).json({ message: MailMessages.verified });
    },

    confirmEmail: async (req: BodyRequest<MailedTokenInput>, res: Response) => {
      await email.confirmEmailChange(req.body.token, clientContext(req));
      res.status(200).json({ message: MailMessages.emailChanged });
    },

    signoutEverywhere: async (req: Request, res: Response) => {
      const revoked = await auth.signoutEverywhere(caller(req).userId, clientContext(req));
      if (refreshCookie(req) !== undefined) clearRefreshCookie(res);
      res.status(200).json({ message: Messages.signedOut, revokedSessions: revoked });
    },
  };
}

export type AuthController = ReturnType<typeof createAuthController>;
