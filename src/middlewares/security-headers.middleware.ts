import type { RequestHandler } from 'express';
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
 * The HTML pages (Swagger UI at /api/docs, the demo at /demo) get helmet's full default set.
 */
export function securityHeaders(): RequestHandler {
  const forApi = helmet({
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
  });
  const forPages = helmet();

  return (req, res, next) => {
    if (isPage(req.path)) {
      forPages(req, res, next);
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    forApi(req, res, next);
  };
}

function isPage(path: string): boolean {
  return path.startsWith('/demo') || path === '/api/docs' || path.startsWith('/api/docs/');
}
