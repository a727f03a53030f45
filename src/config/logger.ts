import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may hold secrets, for any log call that passes a request, a response or a body
 * (the per-request access log has a fixed shape without them; see request-log.middleware).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-access-token"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.mfaToken',
  '*.recoveryCode',
  '*.recoveryCodes',
  '*.secret',
  'body.password',
  'body.refreshToken',
  'body.code',
  'body.recoveryCode',
  'body.mfaToken',
];

export interface LoggerOptions {
  level: string;
  pretty?: boolean;
  destination?: DestinationStream;
}

export function createLogger({ level, pretty = false, destination }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    base: { service: 'auth-api' },
  };
  if (destination) return pino(options, destination);
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(options, bufferedStdout());
}

/**
 * stdout through an 8 KiB buffer, written asynchronously: one write per few dozen lines
 * instead of one per request (a quarter more requests per second in the benchmark). When
 * traffic is light the buffer is written within a second anyway, and pino writes what is
 * left when the process exits; a SIGKILL can lose up to a second of lines.
 *
 * Lines go in as Buffers (sonic-boom's 'buffer' mode). In its string mode sonic-boom
 * measures the pending text with `Buffer.byteLength` on every write, which flattens the
 * whole pending string: about 7 KB allocated per request line, a sixth of everything a
 * request allocates (heap sampling, in BENCHMARKS.md).
 */
function bufferedStdout(): DestinationStream {
  const out = pino.destination({
    dest: 1,
    sync: false,
    minLength: 8192,
    contentMode: 'buffer',
  }) as unknown as BufferModeStream;
  setInterval(() => {
    try {
      out.flush();
    } catch {
      // Already closed at exit.
    }
  }, 1000).unref();
  // pino calls flush() for logger.flush(), and flushSync() after a fatal line so that it is
  // written before the process dies.
  const destination = {
    write: (line: string) => out.write(Buffer.from(line)),
    flush: (cb?: (err?: Error) => void) => out.flush(cb),
    flushSync: () => out.flushSync(),
  };
  return destination;
}

/** sonic-boom in 'buffer' mode; its type declarations only know the string mode. */
interface BufferModeStream {
  write(chunk: Buffer): boolean;
  flush(cb?: (err?: Error) => void): void;
  flushSync(): void;
}
