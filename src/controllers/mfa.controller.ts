import type { Request, Response } from 'express';
import type { PasskeyService, TotpService } from '../services/mfa';
import type {
  ListPasskeysQuery,
  PasskeyOptionsInput,
  PasskeyRegisterInput,
  RenamePasskeyInput,
  TotpActivateInput,
  TotpEnrolInput,
  TotpStepUpInput,
} from '../validations/mfa.validation';
import { caller, clientContext, type BodyRequest } from './request-context';


/** The signed-in user's authenticator app, recovery codes and passkeys. */
export function createMfaController(totp: TotpService, passkeys: PasskeyService) {
  return {
    enrolTotp: async (req: BodyRequest<TotpEnrolInput>, res: Response) => {
      res.status(200).json(await totp.enrol(caller(req).userId, req.body.currentPassword, clientContext(req)));
    },

    activateTotp: async (req: BodyRequest<TotpActivateInput>, res: Response) => {
      res.status(200).json(await totp.activate(caller(req).userId, req.body.code, clientContext(req)));
    },

    disableTotp: async (req: BodyRequest<TotpStepUpInput>, res: Response) => {
      await totp.disable(caller(req).userId, req.body, clientContext(req));
      res.status(200).json({ message: 'The authenticator app was removed; sign-in asks for the password only.' });
    },

    regenerateRecoveryCodes: async (req: BodyRequest<TotpStepUpInput>, res: Response) => {
      res.status(200).json(await totp.regenerateRecoveryCodes(caller(req).userId, req.body, clientContext(req)));
    },

    passkeyOptions: async (req: BodyRequest<PasskeyOptionsInput>, res: Response) => {
      res.status(200).json(await passkeys.registrationOptions(caller(req).userId, req.body.currentPassword, clientContext(req)));
    },

    registerPasskey: async (req: BodyRequest<PasskeyRegisterInput>, res: Response) => {
      const { response, name } = req.body;
      const registered = await passkeys.register(caller(req).userId, { response: response, name }, clientContext(req));
      res.status(200).json(registered);
    },

    listPasskeys: async (req: Request, res: Response) => {
      // Parsed and defaulted by the validate middleware.
      res.status(200).json(await passkeys.list(caller(req).userId, req.query as unknown as ListPasskeysQuery));
    },

    renamePasskey: async (req: BodyRequest<RenamePasskeyInput, { passkeyId: string }>, res: Response) => {
      res.status(200).json(await passkeys.rename(caller(req).userId, req.params.passkeyId, req.body.name));
    },

    removePasskey: async (req: Request<{ passkeyId: string }>, res: Response) => {
      await passkeys.remove(caller(req).userId, req.params.passkeyId, clientContext(req));
      res.status(200).json({ message: 'Passkey removed.' });
    },
  };
}

export type MfaController = ReturnType<typeof createMfaController>;
