import type { CookieOptions, Request, Response } from 'express';
import { AppError } from '../utils/app-error';

export const REFRESH_COOKIE = 'refreshToken';

// HttpOnly: page scripts cannot read it. Strict same-site: other sites cannot make the
// browser send it. Path: only the auth endpoints ever receive it.
const cookieOptions: CookieOptions = { httpOnly: true, secure: true, sameSite: 'strict', path: '/api/auth' };

export function setRefreshCookie(res: Response, token: string, expires: Date): void {
  res.cookie(REFRESH_COOKIE, token, { ...cookieOptions, expires });
}

export function clearRefreshCookie(res: Response): void {
  res.clearCookie(REFRESH_COOKIE, cookieOptions);
}

/**
 * The refresh-token cookie, read unambiguously. A page on a sibling subdomain can set a
 * second cookie of the same name (with a longer path, so that browsers send it first:
 * "cookie tossing"), and a parser that takes the first would act on the attacker's session.
 * Two of them mean the request cannot say whose session it is: refused.
 */
export function refreshCookie(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  let count = 0;
  for (const part of header.split(';')) if (part.trimStart().startsWith(`${REFRESH_COOKIE}=`)) count += 1;
  if (count > 1) {
    throw new AppError(400, 'AMBIGUOUS_REFRESH_COOKIE', 'More than one refreshToken cookie was sent; sign in again.');
  }
  const cookies = req.cookies as Record<string, unknown> | undefined;
  const value = cookies?.[REFRESH_COOKIE];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const SAME_SITE_FETCH = new Set(['same-origin', 'same-site']);

/**
 * Before acting on the cookie: the request must come from a page allowed to use this API.
 * The cookie is SameSite=Strict, which keeps other sites out but not a sibling subdomain (the
 * same "site"), so the browser's own word on where the request comes from is checked too:
 * `Origin` must be an allowed origin (or this service's own, for the demo page), or, without
 * `Origin`, `Sec-Fetch-Site` must say same-origin or same-site. A request with neither header
 * comes from no browser (curl, a server), which no page can make carry a user's cookie.
 */
export function assertCookieOrigin(req: Request, allowedOrigins: ReadonlySet<string>): void {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if (origin !== undefined) {
    if (allowedOrigins.has(origin) || origin === `${req.protocol}://${req.get('host') ?? ''}`) return;
  } else if (site === undefined || site === 'none' || SAME_SITE_FETCH.has(site)) {
    return;
  }
  throw new AppError(403, 'ORIGIN_NOT_ALLOWED', 'This origin may not use the refresh-token cookie.');
}
