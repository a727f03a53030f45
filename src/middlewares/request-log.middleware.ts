import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../config/logger';

const REQUEST_ID = /^[\w.-]{1,128}$/;

/**
 * One log line per request, written when the response is done: id, method, path, client IP,
 * status, duration and (when a token was verified) the user.
 *
 * The line has a fixed shape with no secret in it by construction: no headers, no body, and
 * the path without its query string (a client may put a token there). So it skips the
 * logger's redaction, whose wildcard paths cost more than the rest of the line (measured in
 * BENCHMARKS.md); everything else the service logs is still redacted. pino-http was not used
 * for the same reason: it serialises every request's headers into a child logger.
 *
 * The request id is taken from `x-request-id` when a proxy sent a well-formed one, so one
 * request can be followed across hops; otherwise it is generated. It is echoed in the reply.
 */
export function requestLog(logger: Logger, { behindProxy }: { behindProxy: boolean }): RequestHandler {
  const accessLog = logger.child({}, { redact: [] });
  // With no trusted proxy the client is the socket's peer, which is what `req.ip` would
  // return after running proxy-addr over the request (about 2% of a board request's cost).
  const clientIp = behindProxy ? (req: Request) => req.ip : (req: Request) => req.socket.remoteAddress;
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader('x-request-id', id);
    const started = performance.now();

    // 'close' follows 'finish' on a completed response and comes alone on an aborted one;
    // either way it comes once, so `on` will do (`once` costs a wrapper per request).
    res.on('close', () => {
      const status = res.statusCode;
      const entry = {
        reqId: id,
        req: { method: req.method, path: pathOf(req.originalUrl), remoteAddress: clientIp(req) },
        res: { statusCode: status },
        responseTime: Math.round((performance.now() - started) * 10) / 10,
        userId: req.auth?.userId,
      };
      if (!res.writableFinished) accessLog.warn(entry, 'request aborted');
      else if (status >= 500) accessLog.error(entry, 'request failed');
      else accessLog.info(entry, 'request completed');
    });
    next();
  };
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
