import type { Request, Response } from 'express';
import type { AuditService } from '../services/audit';
import type { ListAuditQuery, SigninChartQuery } from '../validations/audit.validation';

/** The audit trail for admins: events by filter, and sign-ins per hour. */
export function createAuditController(audit: AuditService) {
  return {
    list: async (req: Request, res: Response) => {
      // Parsed and defaulted by the validate middleware.
      const { limit, cursor, user, type, from, to } = req.query as unknown as ListAuditQuery;
      const filter = { user, type, from: from === undefined ? undefined : new Date(from), to: to === undefined ? undefined : new Date(to) };
      res.status(200).json(await audit.list(filter, { limit, cursor }));
    },

    signins: async (req: Request, res: Response) => {
      const { window } = req.query as unknown as SigninChartQuery;
      res.status(200).json(await audit.signinsPerHour(window));
    },
  };
}

export type AuditController = ReturnType<typeof createAuditController>;
