import { Router } from 'express';
import type { createAuthController } from '../controllers/auth.controller';
import type { AuthMiddleware } from '../middlewares/auth.middleware';
import { validateBody } from '../middlewares/validate.middleware';
import { refreshTokenSchema, signinSchema, signupSchema } from '../validations/auth.validation';

export function authRoutes(controller: ReturnType<typeof createAuthController>, guard: AuthMiddleware): Router {
  const router = Router();
  router.post('/signup', validateBody(signupSchema), guard.optionalToken, controller.signup);
  router.post('/signin', validateBody(signinSchema), controller.signin);
  router.post('/refreshtoken', validateBody(refreshTokenSchema), controller.refreshToken);
  return router;
}
