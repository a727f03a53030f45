import type { Request, Response } from 'express';
import type { HealthService } from '../services/health.service';

export function createHealthController(health: HealthService) {
  return {
    // Liveness: the process answers. It never touches MongoDB, so a database outage does not
    // get healthy processes restarted.
    live: (_req: Request, res: Response) => {
      res.status(200).json({ status: 'ok' });
    },

    // Readiness: take traffic only while MongoDB answers.
    ready: async (_req: Request, res: Response) => {
      const ok = await health.databaseReady();
      res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks: { mongodb: ok ? 'ok' : 'failed' } });
    },
  };
}
