import { Router } from 'express';
import { boardController } from '../controllers/board.controller';
import type { AuthMiddleware } from '../middlewares/auth.middleware';
import { rejectOtherMethods } from '../middlewares/method-not-allowed.middleware';

export function boardRoutes(guard: AuthMiddleware): Router {
  const router = Router();
  router.get('/all', boardController.all);
  router.get('/user', guard.verifyToken, boardController.user);
  router.get('/mod', guard.verifyToken, guard.requireRole('moderator'), boardController.moderator);
  router.get('/admin', guard.verifyToken, guard.requireRole('admin'), boardController.admin);
  return rejectOtherMethods(router);
}
