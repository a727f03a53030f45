import { Router } from 'express';
import type { AccountController } from '../controllers/account.controller';
import type { UserAdminController } from '../controllers/user-admin.controller';
import type { AuthMiddleware } from '../middlewares/auth.middleware';
import { validate } from '../middlewares/validate.middleware';
import {
  changePasswordSchema,
  listUsersQuery,
  sessionIdParams,
  setRolesSchema,
  userIdParams,
} from '../validations/user.validation';
import { rejectOtherMethods } from '../middlewares/method-not-allowed.middleware';

export function userRoutes(account: AccountController, admin: UserAdminController, guard: AuthMiddleware): Router {
  const router = Router();
  router.use(guard.verifyToken);

  // The signed-in user's own account, on a router of its own mounted before /:userId, so
  // that "me" is never taken for an id (and its other methods get a 405, not a 400).
  const me = Router();
  me.get('/', account.me);
  me.put('/password', validate({ body: changePasswordSchema }), account.changePassword);
  me.get('/sessions', account.sessions);
  me.delete('/sessions', account.revokeOtherSessions);
  me.delete('/sessions/:sessionId', validate({ params: sessionIdParams }), account.revokeSession);
  router.use('/me', rejectOtherMethods(me));

  const adminOnly = guard.requireRole('admin');
  router.get('/', adminOnly, validate({ query: listUsersQuery }), admin.list);
  router.get('/:userId', adminOnly, validate({ params: userIdParams }), admin.get);
  router.put('/:userId/roles', adminOnly, validate({ params: userIdParams, body: setRolesSchema }), admin.setRoles);
  router.post('/:userId/disable', adminOnly, validate({ params: userIdParams }), admin.disable);
  router.post('/:userId/enable', adminOnly, validate({ params: userIdParams }), admin.enable);
  router.delete('/:userId', adminOnly, validate({ params: userIdParams }), admin.remove);
  return rejectOtherMethods(router);
}
