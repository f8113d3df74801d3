import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

/** Telegram's updates are a few KB; anything near this is not from Telegram. */
export const WEBHOOK_MAX_BYTES = 1024 * 1024;

/** The part of an update we rely on before grammY takes it. */
export interface RawUpdate {
  update_id: number;
  [key: string]: unknown;
}

function sameSecret(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  // Hashing first makes the comparison constant-time whatever the lengths.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function answer(res: http.ServerResponse, status: number, text: string, close = false): undefined {
  if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain', ...(close ? { connection: 'close' } : {}) });
  res.end(`${text}\n`);
  return undefined;
}

/** The body, or why not: past `maxBytes` the rest is drained unread, never held in memory. */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer | 'too large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      resolve('too large');
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', () => resolve('aborted'));
  });
}

/**
 * Reads one webhook call safely: the secret token checked (401), the body capped (413) and parsed
 * without throwing (400 for malformed JSON or a body that is not an update). Returns the update,
 * with nothing answered yet, or undefined after answering the error. A malformed body with the
 * right secret used to throw an uncaught SyntaxError and end the process.
 */
export async function readUpdate(req: http.IncomingMessage, res: http.ServerResponse, secret: string | undefined, maxBytes = WEBHOOK_MAX_BYTES): Promise<RawUpdate | undefined> {
  if (secret !== undefined && !sameSecret(req.headers['x-telegram-bot-api-secret-token'], secret)) {
    req.resume();
    return answer(res, 401, 'unauthorized');
  }
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) {
    req.resume();
    return answer(res, 413, 'body too large', true);
  }
  const raw = await readBody(req, maxBytes);
  if (raw === 'too large') return answer(res, 413, 'body too large', true);
  if (raw === 'aborted') return answer(res, 400, 'request aborted');
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return answer(res, 400, 'malformed JSON');
  }
  if (typeof body !== 'object' || body === null || !Number.isSafeInteger((body as { update_id?: unknown }).update_id)) {
    return answer(res, 400, 'not a Telegram update');
  }
  return body as RawUpdate;
}
