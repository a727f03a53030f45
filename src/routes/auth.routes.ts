import cookieParser from 'cookie-parser';
import { Router, type RequestHandler } from 'express';
import type { AuthController } from '../controllers/auth.controller';
import type { AuthMiddleware } from '../middlewares/auth.middleware';
import { validateBody } from '../middlewares/validate.middleware';
import {
  forgotPasswordSchema,
  mailedTokenSchema,
  refreshTokenSchema,
  resetPasswordSchema,
  signinSchema,
  signupSchema,
} from '../validations/auth.validation';
import { passkeySigninSchema, signinMfaSchema } from '../validations/mfa.validation';
import { rejectOtherMethods } from '../middlewares/method-not-allowed.middleware';

export interface AuthRateLimits {
  /** Sign-up, password reset and the mail-sending endpoints: shared by all instances (sign-in counts in its service). */
  credentials: RequestHandler;
  /** Refresh and sign-out: per instance. */
  tokens: RequestHandler;
}

export function authRoutes(controller: AuthController, guard: AuthMiddleware, limits: AuthRateLimits): Router {
  const router = Router();
  router.use(cookieParser());
  router.post('/signup', limits.credentials, validateBody(signupSchema), guard.optionalToken, controller.signup);
  // Sign-in counts its request against the same per-address limit inside the service, in the
  // one round trip that also takes its attempt points (see PasswordAttempts.begin).
  router.post('/signin', validateBody(signinSchema), controller.signin);
  // The second step of a sign-in and the passkey sign-in end in a session like a password
  // does, so they count per address like credentials; wrong codes have counters of their own.
  router.post('/signin/mfa', limits.credentials, validateBody(signinMfaSchema), controller.signinMfa);
  router.post('/passkey/options', limits.credentials, controller.passkeyOptions);
  router.post('/passkey', limits.credentials, validateBody(passkeySigninSchema), controller.passkeySignin);
  router.post('/refreshtoken', limits.tokens, validateBody(refreshTokenSchema), controller.refreshToken);
  router.post('/signout', limits.tokens, validateBody(refreshTokenSchema), controller.signout);
  router.post('/signout-all', limits.tokens, guard.verifyToken, controller.signoutEverywhere);
  // Mail-sending and password-setting endpoints count like credentials; the token ones are
  // 256 random bits (nothing to guess) and count like refreshes.
  router.post('/forgot-password', limits.credentials, validateBody(forgotPasswordSchema), controller.forgotPassword);
  router.post('/reset-password', limits.credentials, validateBody(resetPasswordSchema), controller.resetPassword);
  router.post('/verify-email', limits.tokens, validateBody(mailedTokenSchema), controller.verifyEmail);
  router.post('/confirm-email', limits.tokens, validateBody(mailedTokenSchema), controller.confirmEmail);
  return rejectOtherMethods(router);
}
