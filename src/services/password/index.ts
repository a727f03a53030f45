import path from 'node:path';
import { Piscina } from 'piscina';
import { addressKey } from '../../utils/client-address';
import { FairQueue } from './fair-queue';

export { createPasswordPolicy, type PasswordPolicy } from './policy';

export interface PasswordService {
  /**
   * `ip`: the client's address, for the queue's turns and per-client bound (counted per
   * addressKey); none for the service's own work (the initial admin).
   */
  hash(plain: string, ip?: string): Promise<string>;
  verify(plain: string, hash: string, ip?: string): Promise<boolean>;
  /** Throws the 429/503 that hashing for this client would meet now (see FairQueue.refusal). */
  assertRoom(ip?: string): void;
}

export interface PasswordServiceOptions {
  rounds: number;
  threads: number;
  /** Tasks that may wait for a thread, in all (503 beyond) and per client (429 beyond). */
  queueLimit: number;
  queuePerClient: number;
  ipv6PrefixLength: number;
}

const WORKER = path.join(__dirname, 'worker.cjs');
/** Work the service does for itself (the initial admin at start-up). */
const INTERNAL = 'internal';

const pools = new Map<number, Piscina>();

/**
 * One pool of hashing threads per process, however many app instances share it. bcrypt's
 * cost is CPU: on the request thread a sign-in storm would stall every other request, and
 * with a thread per core sign-in throughput scales with cores. Idle threads exit.
 */
function pool(threads: number): Piscina {
  let existing = pools.get(threads);
  if (!existing) {
    existing = new Piscina({
      filename: WORKER,
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: 30_000,
      // bcrypt needs a few kilobytes; without limits each thread's V8 heap is sized like the
      // main thread's and grows under a sign-in storm (resident memory measured in BENCHMARKS.md).
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2, codeRangeSizeMb: 8 },
    });
    pools.set(threads, existing);
  }
  return existing;
}

/**
 * bcrypt (bcryptjs, async) at `rounds`, on `threads` worker threads, fed by a fair queue:
 * the pool only ever holds as many tasks as it has threads, and the queue decides whose task
 * runs next (see FairQueue).
 */
export function createPasswordService(options: PasswordServiceOptions): PasswordService {
  const { rounds, threads } = options;
  const workers = pool(threads);
  const queue = new FairQueue(threads, options.queueLimit, options.queuePerClient);
  const clientOf = (ip: string | undefined) => (ip === undefined ? INTERNAL : addressKey(ip, options.ipv6PrefixLength));
  return {
    hash: (plain, ip) => queue.run(clientOf(ip), () => workers.run({ plain, rounds }, { name: 'hash' }) as Promise<string>),
    verify: (plain, hash, ip) => queue.run(clientOf(ip), () => workers.run({ plain, hash }, { name: 'verify' }) as Promise<boolean>),
    assertRoom(ip) {
      const refused = queue.refusal(clientOf(ip));
      if (refused) throw refused;
    },
  };
}

/** Stops the hashing threads (at shutdown). */
export async function closePasswordWorkers(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.close()));
  pools.clear();
}
