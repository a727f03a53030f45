import { freePort, start, waitFor, type Running } from '../helpers/process';

/**
 * The service as a process against `mongodbUri`, with the reliability suite's common settings:
 * a fixed secret (instances share it), cheap bcrypt (the subject here is everything around
 * it) and no per-address limits (all load comes from one address): neither the request count
 * nor the hashing queue's share per client.
 */
export async function startService(
  mongodbUri: string,
  extra: Record<string, string> = {},
  ready: (server: Running, base: string) => Promise<unknown> = (server) => waitFor(server, 'auth API listening'),
): Promise<{ server: Running; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = start({
    PORT: String(port),
    MONGODB_URI: mongodbUri,
    JWT_SECRET: 'reliability-suite-secret-0123456789abcdef',
    BCRYPT_ROUNDS: '4',
    AUTH_MAX_REQUESTS_PER_IP: '10000000',
    HASH_QUEUE_PER_CLIENT: '100000',
    ...extra,
  });
  await ready(server, base);
  return { server, base };
}
