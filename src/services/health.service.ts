import { ConnectionStates, type Connection } from 'mongoose';

export interface HealthService {
  /** True when MongoDB answers a ping within `timeoutMs`. */
  databaseReady(timeoutMs?: number): Promise<boolean>;
}

export function createHealthService(connection: Connection): HealthService {
  return {
    async databaseReady(timeoutMs = 1_000) {
      const db = connection.db;
      if (connection.readyState !== ConnectionStates.connected || !db) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        const ping = db
          .admin()
          .ping()
          .then(() => true)
          .catch(() => false);
        return await Promise.race([ping, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
