import { AppError, Messages, tooManyRequests } from '../../utils/app-error';

/**
 * Runs tasks at most `concurrency` at a time, taking turns between clients instead of first
 * come, first served, with a bound on what may wait.
 *
 * Password hashing is the service's scarce resource (tens of milliseconds of a core each).
 * With one plain queue, a client that sends 200 sign-ups at once puts everyone else behind
 * its 200 hashes; here each client with work waiting gets the next free thread in turn, so
 * an ordinary sign-in waits for about one task per busy client, however much one of them
 * sent. Beyond `perClient` tasks a client is refused (429), and beyond `limit` in all
 * everyone is (503): a queue with no bound only turns overload into long waits.
 */
export class FairQueue {
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly perClientCount = new Map<string, number>();
  private queued = 0;
  private running = 0;

  constructor(
    private readonly concurrency: number,
    private readonly limit: number,
    private readonly perClient: number,
  ) {}

  /** Tasks queued or running, in all. */
  get size(): number {
    return this.queued + this.running;
  }

  /**
   * The refusal `run` would give now, if any: lets a caller refuse before doing the work that
   * leads up to a task (database reads), so that a refused flood costs little. Only a fast
   * path: `run` itself enforces the bounds, with no await between its check and its count.
   */
  refusal(client: string): AppError | undefined {
    if ((this.perClientCount.get(client) ?? 0) >= this.perClient) {
      return tooManyRequests('TOO_MANY_REQUESTS', Messages.tooManyRequests, 1000);
    }
    if (this.queued >= this.limit) {
      return new AppError(503, 'BUSY', Messages.busy, { retryAfterSeconds: 1 }, { 'Retry-After': '1' });
    }
    return undefined;
  }

  run<T>(client: string, task: () => Promise<T>): Promise<T> {
    const refused = this.refusal(client);
    if (refused) return Promise.reject(refused);
    this.perClientCount.set(client, (this.perClientCount.get(client) ?? 0) + 1);
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        task()
          .then(resolve, reject)
          .finally(() => {
            this.running -= 1;
            const left = (this.perClientCount.get(client) ?? 1) - 1;
            if (left === 0) this.perClientCount.delete(client);
            else this.perClientCount.set(client, left);
            this.pump();
          });
      };
      const line = this.waiting.get(client);
      if (line) line.push(start);
      else this.waiting.set(client, [start]);
      this.queued += 1;
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queued > 0) {
      // The Map's first key is the client whose turn it is; after its task starts it goes to
      // the back of the line if it has more waiting.
      const [client, line] = this.waiting.entries().next().value as [string, (() => void)[]];
      const start = line.shift()!;
      this.waiting.delete(client);
      if (line.length > 0) this.waiting.set(client, line);
      this.queued -= 1;
      this.running += 1;
      start();
    }
  }
}
