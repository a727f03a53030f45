import type { Request, Response } from 'express';
import type { AccountService } from '../services/account.service';
import type { ChangePasswordInput } from '../validations/user.validation';
import { caller, clientContext } from './request-context';

export function createAccountController(account: AccountService) {
  return {
    me: async (req: Request, res: Response) => {
      res.status(200).json(await account.profile(caller(req).userId));
    },

    changePassword: async (req: Request<Record<string, string>, unknown, ChangePasswordInput>, res: Response) => {
      const { userId, sessionId } = caller(req);
      const revoked = await account.changePassword(userId, sessionId, req.body, clientContext(req));
      res.status(200).json({ message: 'Password changed. Your other sessions were signed out.', revokedSessions: revoked });
    },

    sessions: async (req: Request, res: Response) => {
      const { userId, sessionId } = caller(req);
      res.status(200).json({ sessions: await account.sessions(userId, sessionId) });
    },

    revokeSession: async (req: Request<{ sessionId: string }>, res: Response) => {
      await account.revokeSession(caller(req).userId, req.params.sessionId);
      res.status(200).json({ message: 'Session revoked.' });
    },

    revokeOtherSessions: async (req: Request, res: Response) => {
      const { userId, sessionId } = caller(req);
      const revoked = await account.revokeOtherSessions(userId, sessionId);
      res.status(200).json({ message: 'Other sessions revoked.', revokedSessions: revoked });
    },
  };
}

export type AccountController = ReturnType<typeof createAccountController>;
