import { createRequire } from 'node:module';
import http from 'node:http';
import type { RequestListener } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The HTTP server for the app, with request and response objects that are born with every
 * field Express, its router, the body and cookie parsers and this service's middlewares set
 * on them while a request is handled.
 *
 * Why: Express re-points each request's and response's prototype at its own
 * (`Object.setPrototypeOf`) before routing. In V8, a property added to an object after that
 * gives the object a hidden class of its own, so each request used to end up with a new
 * shape per field set (`req.baseUrl`, `req.params`, `req.route`, `req.id`, `req.auth`, ...):
 * a map allocated for each, and every property access along the middleware chain missing its
 * inline cache. Declared when the object is made, the same fields are plain stores into a
 * shape every request shares. A board request went from about 840k to about 280k machine
 * instructions (BENCHMARKS.md); a bare Express app pays the same cost. Nothing reads these
 * fields differently: each starts as `undefined`, which is what the code that sets them
 * expects to find.
 *
 * test/integration/http-server.test.ts fails when handling a request adds a field missing here.
 */
export function createHttpServer(app: RequestListener, limits: HttpLimits = DEFAULT_LIMITS): http.Server {
  const server = http.createServer(
    {
      IncomingMessage: ShapedRequest,
      ServerResponse: ShapedResponse,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      // Node looks for connections past those deadlines every this often (30 s by default,
      // which lets a slow client hold its socket for that long again).
      connectionsCheckingInterval: Math.min(5_000, limits.headersTimeoutMs),
    },
    app,
  );
  server.maxConnections = limits.maxConnections;
  return server;
}

/**
 * What a client may hold of the server: a request must arrive whole within
 * `requestTimeoutMs` and its headers within `headersTimeoutMs` (Node answers 408 and closes),
 * so that thousands of connections trickling a body a byte at a time cannot pin sockets and
 * memory; and no more than `maxConnections` at once (beyond, new ones are closed at accept).
 */
export interface HttpLimits {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  maxConnections: number;
}

const DEFAULT_LIMITS: HttpLimits = { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, maxConnections: 2_000 };

/**
 * router@2 keeps two fields under Symbols: the matched route pattern, on every match, and the
 * errors its tracing has published, on an error.
 */
const ROUTER_FIELDS: symbol[] = [Symbol.for('router.tracing.publishedErrors')];
try {
  // Resolved from Express's own location, so that it is the copy of router Express uses.
  const fromExpress = createRequire(require.resolve('express'));
  const { matchedRoute } = fromExpress('router/lib/symbols') as { matchedRoute?: unknown };
  if (typeof matchedRoute === 'symbol') ROUTER_FIELDS.push(matchedRoute);
} catch {
  // Another router version: only slower (the shaped-objects test says which field), never wrong.
}

class ShapedRequest extends http.IncomingMessage {
  constructor(socket: Socket) {
    super(socket);
    const self = this as unknown as Record<string | symbol, unknown>;
    // Express and its router
    self.res = undefined;
    self.next = undefined;
    self.baseUrl = undefined;
    self.originalUrl = undefined;
    self._parsedUrl = undefined;
    self._parsedOriginalUrl = undefined;
    self.params = undefined;
    self.route = undefined;
    for (const field of ROUTER_FIELDS) self[field] = undefined;
    // express.json and cookie-parser
    self.body = undefined;
    self.secret = undefined;
    self.cookies = undefined;
    self.signedCookies = undefined;
    // this service (src/types/express.d.ts)
    self.id = undefined;
    self.auth = undefined;
  }
}

class ShapedResponse extends http.ServerResponse {
  // Node passes options after the request (highWaterMark, ...): all are handed on.
  constructor(...args: unknown[]) {
    super(...(args as [http.IncomingMessage]));
    const self = this as unknown as Record<string, unknown>;
    self.locals = undefined; // Express
    self.__onFinished = undefined; // on-finished (static files, sendFile)
    // Set by writeHead on every response; the defaults come from ServerResponse.prototype.
    self.statusCode = 200;
    self.statusMessage = undefined;
  }
}
