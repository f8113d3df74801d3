import type http from 'node:http';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ADMIN_COOKIE = 'nd_admin';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * The operator pages' token check. Candidates are compared as SHA-256 digests with
 * timingSafeEqual: equal lengths whatever was sent, and no early exit that times the prefix.
 * The cookie holds an HMAC of the token, never the token itself.
 */
export class AdminAuth {
  private readonly tokenDigest: Buffer | null;
  private readonly cookieDigest: Buffer | null;
  readonly cookieValue: string | null;

  constructor(token: string | undefined) {
    this.tokenDigest = token ? sha256(token) : null;
    this.cookieValue = token ? createHmac('sha256', token).update('news-digest admin cookie v1').digest('base64url') : null;
    this.cookieDigest = this.cookieValue ? sha256(this.cookieValue) : null;
  }

  get enabled(): boolean {
    return this.tokenDigest !== null;
  }

  /** The token typed into the login form or sent as a bearer. */
  tokenMatches(candidate: string): boolean {
    return this.tokenDigest !== null && timingSafeEqual(sha256(candidate), this.tokenDigest);
  }

  /** `Authorization: Bearer <token>`, or the cookie the login form set. */
  allows(req: http.IncomingMessage): boolean {
    if (!this.enabled) return false;
    const auth = req.headers.authorization;
    const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (bearer) return this.tokenMatches(bearer[1]!);
    const cookie = readCookie(req, ADMIN_COOKIE);
    return cookie !== null && timingSafeEqual(sha256(cookie), this.cookieDigest!);
  }
}

function readCookie(req: http.IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * A state-changing POST must come from our own pages: a browser says where the form was
 * (Sec-Fetch-Site, else Origin); a cross-site form posting with the operator's cookie is refused.
 * (The cookie is SameSite=Strict too; a bearer client such as curl sends neither header.)
 */
export function sameOrigin(req: http.IncomingMessage, publicOrigin: string | null): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site) return site === 'same-origin' || site === 'none';
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host || origin === publicOrigin;
  } catch {
    return false;
  }
}
