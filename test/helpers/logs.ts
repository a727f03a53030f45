import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/config/logger';

/** A real pino logger (redaction included) writing into memory, for assertions on logs. */
export function captureLogs(level = 'trace'): { logger: Logger; text: () => string; entries: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const text = () => lines.join('');
  return {
    logger: createLogger({ level, destination }),
    text,
    entries: () =>
      text()
        .trim()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
