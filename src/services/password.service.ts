import path from 'node:path';
import { Piscina } from 'piscina';

export interface PasswordService {
  hash(plain: string): Promise<string>;
  verify(plain: string, hash: string): Promise<boolean>;
}

const WORKER = path.join(__dirname, 'password.worker.cjs');

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

/** bcrypt (bcryptjs, async) at `rounds`, on `threads` worker threads. */
export function createPasswordService(rounds: number, threads: number): PasswordService {
  const workers = pool(threads);
  return {
    hash: (plain) => workers.run({ plain, rounds }, { name: 'hash' }) as Promise<string>,
    verify: (plain, hash) => workers.run({ plain, hash }, { name: 'verify' }) as Promise<boolean>,
  };
}

/** Stops the hashing threads (at shutdown). */
export async function closePasswordWorkers(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.close()));
  pools.clear();
}
