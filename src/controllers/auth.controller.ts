import type { Request, Response } from 'express';
import type { AuthService } from '../services/auth.service';
import { Messages } from '../utils/app-error';
import type { RefreshTokenInput, SigninInput, SignupInput } from '../validations/auth.validation';

// Bodies arrive already parsed by validateBody, hence the typed Request bodies.
type BodyRequest<T> = Request<Record<string, string>, unknown, T>;

export function createAuthController(auth: AuthService) {
  return {
    signup: async (req: BodyRequest<SignupInput>, res: Response) => {
      await auth.signup(req.body, req.auth?.userId);
      res.status(200).json({ message: Messages.signupOk });
    },

    signin: async (req: BodyRequest<SigninInput>, res: Response) => {
      res.status(200).json(await auth.signin(req.body));
    },

    refreshToken: async (req: BodyRequest<RefreshTokenInput>, res: Response) => {
      res.status(200).json(await auth.refresh(req.body.refreshToken));
    },
  };
}
