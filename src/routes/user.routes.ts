import { Router, type RequestHandler } from 'express';
import type { AccountController } from '../controllers/account.controller';
import type { MfaController } from '../controllers/mfa.controller';
import type { UserAdminController } from '../controllers/user-admin.controller';
import type { AuthMiddleware } from '../middlewares/auth.middleware';
import { rejectOtherMethods } from '../middlewares/method-not-allowed.middleware';
import { validate } from '../middlewares/validate.middleware';
import {
  changeEmailSchema,
  changePasswordSchema,
  listSessionsQuery,
  listUsersQuery,
  sessionIdParams,
  setRolesSchema,
  userSessionParams,
  userIdParams,
} from '../validations/user.validation';
import { listActivityQuery } from '../validations/audit.validation';
import {
  listPasskeysQuery,
  passkeyIdParams,
  passkeyOptionsSchema,
  passkeyRegisterSchema,
  renamePasskeySchema,
  totpActivateSchema,
  totpEnrolSchema,
  totpStepUpSchema,
} from '../validations/mfa.validation';

/** `/passkeys/options` is its own path: other methods on it get its 405, not a 400 for a bad id. */
const notOptions: RequestHandler = (req, _res, next) => {
  next(req.params.passkeyId === 'options' ? 'route' : undefined);
};

export function userRoutes(account: AccountController, mfa: MfaController, admin: UserAdminController, guard: AuthMiddleware): Router {
  // Authentication per route rather than router-wide, so that an undeclared method gets its
  // 405 whether or not a token came with it.
  const signedIn = guard.verifyToken;
  const adminOnly = [guard.verifyToken, guard.requireRole('admin')];

  // The signed-in user's own account, on a router of its own mounted before /:userId, so
  // that "me" is never taken for an id (and its other methods get a 405, not a 400).
  const me = Router();
  me.get('/', signedIn, account.me);
  me.put('/password', signedIn, validate({ body: changePasswordSchema }), account.changePassword);
  me.put('/email', signedIn, validate({ body: changeEmailSchema }), account.changeEmail);
  me.post('/verification-email', signedIn, account.sendVerification);
  me.get('/sessions', signedIn, validate({ query: listSessionsQuery }), account.sessions);
  me.get('/activity', signedIn, validate({ query: listActivityQuery }), account.activity);
  me.delete('/sessions', signedIn, account.revokeOtherSessions);
  me.delete('/sessions/:sessionId', signedIn, validate({ params: sessionIdParams }), account.revokeSession);
  me.post('/mfa/totp', signedIn, validate({ body: totpEnrolSchema }), mfa.enrolTotp);
  me.post('/mfa/totp/verify', signedIn, validate({ body: totpActivateSchema }), mfa.activateTotp);
  me.delete('/mfa/totp', signedIn, validate({ body: totpStepUpSchema }), mfa.disableTotp);
  me.post('/mfa/recovery-codes', signedIn, validate({ body: totpStepUpSchema }), mfa.regenerateRecoveryCodes);
  me.post('/passkeys/options', signedIn, validate({ body: passkeyOptionsSchema }), mfa.passkeyOptions);
  me.post('/passkeys', signedIn, validate({ body: passkeyRegisterSchema }), mfa.registerPasskey);
  me.get('/passkeys', signedIn, validate({ query: listPasskeysQuery }), mfa.listPasskeys);
  me.patch('/passkeys/:passkeyId', notOptions, signedIn, validate({ params: passkeyIdParams, body: renamePasskeySchema }), mfa.renamePasskey);
  me.delete('/passkeys/:passkeyId', notOptions, signedIn, validate({ params: passkeyIdParams }), mfa.removePasskey);

  const router = Router();
  router.use('/me', rejectOtherMethods(me));
  router.get('/', adminOnly, validate({ query: listUsersQuery }), admin.list);
  router.get('/:userId', adminOnly, validate({ params: userIdParams }), admin.get);
  router.put('/:userId/roles', adminOnly, validate({ params: userIdParams, body: setRolesSchema }), admin.setRoles);
  router.post('/:userId/disable', adminOnly, validate({ params: userIdParams }), admin.disable);
  router.post('/:userId/enable', adminOnly, validate({ params: userIdParams }), admin.enable);
  router.delete('/:userId', adminOnly, validate({ params: userIdParams }), admin.remove);
  router.get('/:userId/sessions', adminOnly, validate({ params: userIdParams, query: listSessionsQuery }), admin.sessions);
  router.delete('/:userId/sessions', adminOnly, validate({ params: userIdParams }), admin.revokeSessions);
  router.delete('/:userId/sessions/:sessionId', adminOnly, validate({ params: userSessionParams }), admin.revokeSession);
  router.delete('/:userId/mfa', adminOnly, validate({ params: userIdParams }), admin.resetFactors);
  router.post('/:userId/password-reset', adminOnly, validate({ params: userIdParams }), admin.sendPasswordReset);
  return rejectOtherMethods(router);
}
