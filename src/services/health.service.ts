import { ConnectionStates, type Connection } from 'mongoose';
import type { Clock } from '../utils/clock';

export interface HealthService {
  /** True when MongoDB answered a ping within `timeoutMs`, at most `maxAgeMs` ago. */
  databaseReady(): Promise<boolean>;
}

/**
 * Readiness from a ping that is shared and remembered for a second. A probe per request
 * would let a burst of readiness checks (2,000 at once) queue 2,000 pings on the driver's
 * pool, time out behind each other and report a healthy database as down.
 */
export function createHealthService(connection: Connection, clock: Clock, { timeoutMs = 1_000, maxAgeMs = 1_000 } = {}): HealthService {
  let last: { at: number; ready: boolean } | undefined;
  let inFlight: Promise<boolean> | undefined;

  async function ping(): Promise<boolean> {
    const db = connection.db;
    if (connection.readyState !== ConnectionStates.connected || !db) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      const answered = db
        .admin()
        .ping()
        .then(() => true)
        .catch(() => false);
      return await Promise.race([answered, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    databaseReady() {
      // A lost connection shows at once, without waiting for the remembered answer to age.
      if (connection.readyState !== ConnectionStates.connected) return Promise.resolve(false);
      if (last && clock() - last.at < maxAgeMs) return Promise.resolve(last.ready);
      inFlight ??= ping().then((ready) => {
        last = { at: clock(), ready };
        inFlight = undefined;
        return ready;
      });
      return inFlight;
    },
  };
}
