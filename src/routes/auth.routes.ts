import cookieParser from 'cookie-parser';
import { Router, type RequestHandler } from 'express';
import type { AuthController } from '../controllers/auth.controller';
import type { AuthMiddleware } from '../middlewares/auth.middleware';
import { validateBody } from '../middlewares/validate.middleware';
import { refreshTokenSchema, signinSchema, signupSchema } from '../validations/auth.validation';
import { rejectOtherMethods } from '../middlewares/method-not-allowed.middleware';

export function authRoutes(controller: AuthController, guard: AuthMiddleware, rateLimit: RequestHandler): Router {
  const router = Router();
  router.use(rateLimit);
  router.use(cookieParser());
  router.post('/signup', validateBody(signupSchema), guard.optionalToken, controller.signup);
  router.post('/signin', validateBody(signinSchema), controller.signin);
  router.post('/refreshtoken', validateBody(refreshTokenSchema), controller.refreshToken);
  router.post('/signout', validateBody(refreshTokenSchema), controller.signout);
  router.post('/signout-all', guard.verifyToken, controller.signoutEverywhere);
  return rejectOtherMethods(router);
}
