import { Router } from 'express';
import type { AuditController } from '../controllers/audit.controller';
import type { AuthMiddleware } from '../middlewares/auth.middleware';
import { rejectOtherMethods } from '../middlewares/method-not-allowed.middleware';
import { validate } from '../middlewares/validate.middleware';
import { listAuditQuery, signinChartQuery } from '../validations/audit.validation';

export function auditRoutes(controller: AuditController, guard: AuthMiddleware): Router {
  const adminOnly = [guard.verifyToken, guard.requireRole('admin')];
  const router = Router();
  router.get('/', adminOnly, validate({ query: listAuditQuery }), controller.list);
  router.get('/signins', adminOnly, validate({ query: signinChartQuery }), controller.signins);
  return rejectOtherMethods(router);
}
