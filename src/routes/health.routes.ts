import { Router } from 'express';
import type { createHealthController } from '../controllers/health.controller';
import { rejectOtherMethods } from '../middlewares/method-not-allowed.middleware';

export function healthRoutes(controller: ReturnType<typeof createHealthController>): Router {
  const router = Router();
  router.get('/live', controller.live);
  router.get('/ready', controller.ready);
  return rejectOtherMethods(router);
}
