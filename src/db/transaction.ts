import type { ClientSession, Connection } from 'mongoose';

const support = new WeakMap<Connection, Promise<boolean>>();

/** Transactions need a replica set or a sharded cluster; a standalone mongod has none. */
export function supportsTransactions(connection: Connection): Promise<boolean> {
  let known = support.get(connection);
  if (!known) {
    known = (async () => {
      const db = connection.db;
      if (!db) return false;
      const hello = await db.admin().command({ hello: 1 });
      return typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
    })();
    known.catch(() => support.delete(connection));
    support.set(connection, known);
  }
  return known;
}

/**
 * Runs `work` in a transaction where the deployment has them (replica sets, as in
 * production), so that a change spanning documents is all or nothing; Mongoose retries it on
 * transient errors such as an election. On a standalone mongod (the embedded development
 * database) the steps run in order without one.
 */
export async function atomically<T>(connection: Connection, work: (session: ClientSession | undefined) => Promise<T>): Promise<T> {
  if (!(await supportsTransactions(connection))) return work(undefined);
  let result: T | undefined;
  await connection.transaction(async (session) => {
    result = await work(session);
  });
  return result as T;
}
