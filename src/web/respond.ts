import type http from 'node:http';
import { createHash } from 'node:crypto';

/**
 * Sent with every web answer: no script may run at all (the pages need none), styles only from
 * our stylesheet, no framing.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // Nothing of our addresses leaks to the outlets; same-origin (not no-referrer) so a browser's form posts carry our Origin.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

export function send(res: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...headers }).end(body);
}

export function redirect(res: http.ServerResponse, status: 301 | 303, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, location, 'content-length': '0', ...headers }).end();
}

/** A strong validator of the exact body. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/**
 * Whether the client's copy is current: If-None-Match decides when sent (RFC 9110 §13.2.2),
 * else If-Modified-Since against the last change, in whole seconds as HTTP dates carry.
 */
export function notModified(req: http.IncomingMessage, etag: string, lastModified: number): boolean {
  const inm = req.headers['if-none-match'];
  if (inm) return inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
  const ims = req.headers['if-modified-since'];
  if (!ims) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && Math.floor(lastModified / 1000) * 1000 <= since;
}

/** A urlencoded form body of at most `limit` bytes (a login form holds one token). */
export async function readForm(req: http.IncomingMessage, limit = 4096): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
