import type { Request, Response } from 'express';
import type { AccountService } from '../services/account.service';
import type { AuditService } from '../services/audit';
import type { ListActivityQuery } from '../validations/audit.validation';
import type { EmailService } from '../services/email';
import type { ChangeEmailInput, ChangePasswordInput, ListSessionsQuery } from '../validations/user.validation';
import { setRefreshCookie } from './refresh-cookie';
import { caller, clientContext, type BodyRequest } from './request-context';

export function createAccountController(account: AccountService, email: EmailService, audit: AuditService) {
  return {
    activity: async (req: Request, res: Response) => {
      // Parsed and defaulted by the validate middleware.
      const page = req.query as unknown as ListActivityQuery;
      res.status(200).json(await audit.list({ user: caller(req).userId }, page));
    },

    sendVerification: async (req: Request, res: Response) => {
      await email.sendVerification(caller(req).userId, clientContext(req));
      res.status(200).json({ message: 'A verification link is on its way.' });
    },

    changeEmail: async (req: BodyRequest<ChangeEmailInput>, res: Response) => {
      await email.requestEmailChange(caller(req).userId, req.body, clientContext(req));
      res.status(200).json({ message: 'A confirmation link was sent to the new address; the change applies once it is used.' });
    },

    me: async (req: Request, res: Response) => {
      res.status(200).json(await account.profile(caller(req).userId));
    },

    changePassword: async (req: BodyRequest<ChangePasswordInput>, res: Response) => {
      const { refreshTokenTransport, ...change } = req.body;
      const { revokedSessions, accessToken, refreshToken, refreshTokenExpiresAt } = await account.changePassword(
        caller(req).userId,
        change,
        clientContext(req),
      );
      const message = 'Password changed. Every session was signed out; this reply holds your new tokens.';
      if (refreshTokenTransport === 'cookie') {
        setRefreshCookie(res, refreshToken, refreshTokenExpiresAt);
        res.status(200).json({ message, revokedSessions, accessToken });
        return;
      }
      res.status(200).json({ message, revokedSessions, accessToken, refreshToken });
    },

    sessions: async (req: Request, res: Response) => {
      const { userId, sessionId } = caller(req);
      // Parsed and defaulted by the validate middleware.
      const page = req.query as unknown as ListSessionsQuery;
      res.status(200).json(await account.sessions(userId, sessionId, page));
    },

    revokeSession: async (req: Request<{ sessionId: string }>, res: Response) => {
      await account.revokeSession(caller(req).userId, req.params.sessionId, clientContext(req));
      res.status(200).json({ message: 'Session revoked.' });
    },

    revokeOtherSessions: async (req: Request, res: Response) => {
      const { userId, sessionId } = caller(req);
      const revoked = await account.revokeOtherSessions(userId, sessionId, clientContext(req));
      res.status(200).json({ message: 'Other sessions revoked.', revokedSessions: revoked });
    },
  };
}

export type AccountController = ReturnType<typeof createAccountController>;
