import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * Security headers fitted to what a response is.
 *
 * JSON responses (everything under /api, /health, errors) get the headers OWASP's REST
 * Security Cheat Sheet lists for APIs: nothing may render or frame them, no MIME sniffing,
 * HSTS, and `Cache-Control: no-store`, which token responses must carry (RFC 6749 §5.1) and
 * which suits per-user data generally. helmet's other defaults (cross-origin opener policy,
 * origin-agent cluster, DNS prefetch, download options, ...) govern how a browser treats a
 * *document*; on a JSON reply they only add bytes and work to every request.
 *
 * The HTML pages (Swagger UI at /api/docs, the demo at /demo, the admin console at /admin)
 * get helmet's full default set.
 */
export function securityHeaders(): RequestHandler {
  // helmet decides the API headers; they do not depend on the request, so they are taken
  // from it once and set directly, which halves their cost per request (BENCHMARKS.md).
  const forApi = headersSetBy(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      xFrameOptions: { action: 'deny' },
      referrerPolicy: false,
      strictTransportSecurity: true,
      xContentTypeOptions: true,
      crossOriginOpenerPolicy: false,
      crossOriginResourcePolicy: false,
      originAgentCluster: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
    }),
  );
  forApi.push(['Cache-Control', 'no-store']);
  // upgrade-insecure-requests off: a service reached over plain HTTP on another host (a
  // development VM, a LAN address) would have every asset of its pages fetched over https,
  // which it does not serve, and show blank pages. HTTPS deployments have HSTS for that.
  const forPages = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });

  return (req, res, next) => {
    if (isPage(req.path)) {
      forPages(req, res, next);
      return;
    }
    for (const [name, value] of forApi) res.setHeader(name, value);
    next();
  };
}

/** The headers a middleware sets, found by running it once at start-up on a stand-in reply. */
function headersSetBy(middleware: RequestHandler): [string, string][] {
  const headers: [string, string][] = [];
  let finished = false;
  const reply = {
    setHeader(name: string, value: unknown) {
      headers.push([name, String(value)]);
    },
    removeHeader() {
      // X-Powered-By: Express is told not to send it (app.ts).
    },
  };
  void middleware({} as Request, reply as unknown as Response, () => {
    finished = true;
  });
  if (!finished) throw new Error('security headers: the middleware did not finish at once');
  return headers;
}

function isPage(path: string): boolean {
  return path.startsWith('/demo') || path.startsWith('/admin') || path === '/api/docs' || path.startsWith('/api/docs/');
}
