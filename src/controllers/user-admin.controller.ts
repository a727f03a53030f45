import type { Request, Response } from 'express';
import type { EmailService } from '../services/email';
import type { UserAdminService } from '../services/user-admin.service';
import type { ListSessionsQuery, ListUsersQuery, SetRolesInput } from '../validations/user.validation';
import { caller, clientContext } from './request-context';

type UserRequest<Body = unknown> = Request<{ userId: string }, unknown, Body>;

export function createUserAdminController(admin: UserAdminService, email: EmailService) {
  return {
    sendPasswordReset: async (req: UserRequest, res: Response) => {
      await email.sendPasswordReset(caller(req).userId, req.params.userId, clientContext(req));
      res.status(200).json({ message: 'A password reset link was sent to the user.' });
    },

    list: async (req: Request, res: Response) => {
      // Parsed and defaulted by the validate middleware.
      res.status(200).json(await admin.list(req.query as unknown as ListUsersQuery));
    },

    get: async (req: UserRequest, res: Response) => {
      res.status(200).json(await admin.get(req.params.userId));
    },

    setRoles: async (req: UserRequest<SetRolesInput>, res: Response) => {
      res.status(200).json(await admin.setRoles(caller(req).userId, req.params.userId, req.body.roles, clientContext(req)));
    },

    disable: async (req: UserRequest, res: Response) => {
      res.status(200).json(await admin.setDisabled(caller(req).userId, req.params.userId, true, clientContext(req)));
    },

    enable: async (req: UserRequest, res: Response) => {
      res.status(200).json(await admin.setDisabled(caller(req).userId, req.params.userId, false, clientContext(req)));
    },

    sessions: async (req: UserRequest, res: Response) => {
      // Parsed and defaulted by the validate middleware.
      res.status(200).json(await admin.sessions(req.params.userId, req.query as unknown as ListSessionsQuery));
    },

    revokeSession: async (req: Request<{ userId: string; sessionId: string }>, res: Response) => {
      await admin.revokeSession(caller(req).userId, req.params.userId, req.params.sessionId, clientContext(req));
      res.status(200).json({ message: 'Session revoked.' });
    },

    revokeSessions: async (req: UserRequest, res: Response) => {
      const revoked = await admin.revokeSessions(caller(req).userId, req.params.userId, clientContext(req));
      res.status(200).json({ message: "The user's sessions were revoked.", revokedSessions: revoked });
    },

    resetFactors: async (req: UserRequest, res: Response) => {
      const reset = await admin.resetFactors(caller(req).userId, req.params.userId, clientContext(req));
      res.status(200).json({ message: "The user's authenticator app, recovery codes and passkeys were removed.", ...reset });
    },

    remove: async (req: UserRequest, res: Response) => {
      await admin.remove(caller(req).userId, req.params.userId, clientContext(req));
      res.status(200).json({ message: 'User deleted.' });
    },
  };
}

export type UserAdminController = ReturnType<typeof createUserAdminController>;
