import type { Request, Response } from 'express';
import type { AuthService } from '../services/auth.service';
import { Messages } from '../utils/app-error';
import type { RefreshTokenInput, SigninInput, SignupInput } from '../validations/auth.validation';
import { caller, clientContext } from './request-context';

// Bodies arrive already parsed by the validate middleware, hence the typed Request bodies.
type BodyRequest<T> = Request<Record<string, string>, unknown, T>;

export function createAuthController(auth: AuthService) {
  return {
    signup: async (req: BodyRequest<SignupInput>, res: Response) => {
      await auth.signup(req.body, req.auth?.userId);
      res.status(200).json({ message: Messages.signupOk });
    },

    signin: async (req: BodyRequest<SigninInput>, res: Response) => {
      res.status(200).json(await auth.signin(req.body, clientContext(req)));
    },

    refreshToken: async (req: BodyRequest<RefreshTokenInput>, res: Response) => {
      res.status(200).json(await auth.refresh(req.body.refreshToken, clientContext(req)));
    },

    signout: async (req: BodyRequest<RefreshTokenInput>, res: Response) => {
      await auth.signout(req.body.refreshToken);
      res.status(200).json({ message: Messages.signedOut });
    },

    signoutEverywhere: async (req: Request, res: Response) => {
      const revoked = await auth.signoutEverywhere(caller(req).userId);
      res.status(200).json({ message: Messages.signedOut, revokedSessions: revoked });
    },
  };
}

export type AuthController = ReturnType<typeof createAuthController>;
