import { readFile, stat } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { fileURLToPath } from 'node:url';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { Agent, request, type Dispatcher } from 'undici';
import { FeedError } from './errors.js';
import type { AddressPolicy } from './address-policy.js';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
}

/**
 * Where a fetch may go. Every hop whose host is not `trustedHost` (the host an operator typed,
 * e.g. a feed's own URL) is checked against the policy: a redirect or an item's link cannot
 * reach an internal address.
 */
export interface FetchPolicy {
  policy: AddressPolicy;
  trustedHost?: string;
}

export interface FetchValidators {
  etag?: string | null;
  lastModified?: string | null;
}

export type FetchResult =
  | { status: 'not-modified' }
  | {
      status: 'ok';
      bytes: Uint8Array;
      contentType: string | null;
      etag: string | null;
      lastModified: string | null;
      url: string;
      /** The Content-Location header: the document's own URL, the base of its relative links. */
      contentLocation?: string | null;
    };

/**
 * GETs a URL with a timeout covering the whole transfer, a body-size cap, a redirect cap and
 * conditional-GET validators. `file:` URLs are read from disk (demo and tests). `cancel` stops
 * the transfer from outside (the poller's whole-feed deadline, a stopping worker).
 */
export async function fetchResource(url: string, limits: FetchLimits, validators: FetchValidators = {}, accept = FEED_ACCEPT, policy?: FetchPolicy, cancel?: AbortSignal): Promise<FetchResult> {
  if (url.startsWith('file:')) {
    // Local files are the operator's own (demo, tests); a link or redirect from outside is not.
    if (policy && policy.trustedHost === undefined) throw new FeedError('refused', `refused to fetch ${url}: only http and https are fetched, not file:`);
    return readLocal(url, limits);
  }
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
  let current = url;
  const seen = new Set<string>();
  try {
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': limits.userAgent, accept, 'accept-encoding': ACCEPT_ENCODING };
      if (validators.etag) headers['if-none-match'] = validators.etag;
      if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
      const target = new URL(current);
      const checked = policy && target.host !== policy.trustedHost;
      if (checked) policy.policy.check(target);
      const options = { method: 'GET' as const, headers, signal, dispatcher: checked ? policy.policy.dispatcher : direct };
      // A kept-alive connection the server closed at the same moment fails at once: a GET is safe
      // to send again, once, on a new connection.
      const res = await request(current, options).catch((err: NetworkError) => {
        if (signal.aborted || !STALE_SOCKET.has(errorCode(err) ?? '')) throw err;
        return request(current, options);
      });
      const status = res.statusCode;
      if (status >= 300 && status < 400 && status !== 304) {
        const location = header(res.headers, 'location');
        await discard(res.body);
        if (!location) throw new FeedError('http', `HTTP ${status} redirect without a Location header`);
        const next = new URL(location, current).toString();
        if (seen.has(next) || hop + 1 > limits.maxRedirects) {
          throw new FeedError('redirects', seen.has(next) ? `redirect loop (${current} → ${next})` : `more than ${limits.maxRedirects} redirects (last: ${next})`);
        }
        seen.add(current);
        current = next;
        continue;
      }
      if (status === 304) {
        await discard(res.body);
        return { status: 'not-modified' };
      }
      if (status < 200 || status >= 300) {
        await discard(res.body);
        const text = res.statusText || STATUS_CODES[status];
        throw new FeedError('http', `HTTP ${status}${text ? ' ' + text : ''}`);
      }
      const declared = Number(header(res.headers, 'content-length'));
      if (declared > limits.maxBytes) {
        drop(res.body);
        throw new FeedError('too-large', `body of ${formatBytes(declared)} exceeds the ${formatBytes(limits.maxBytes)} limit (fetch.maxBytes)`);
      }
      const bytes = await readCapped(res, limits.maxBytes);
      return {
        status: 'ok',
        bytes,
        contentType: header(res.headers, 'content-type'),
        contentLocation: header(res.headers, 'content-location'),
        etag: header(res.headers, 'etag'),
        lastModified: header(res.headers, 'last-modified'),
        url: current,
      };
    }
  } catch (err) {
    if (err instanceof FeedError) throw err;
    const e = err as NetworkError;
    if (cancel?.aborted && !timeout.aborted) throw new FeedError('timeout', 'transfer cut off', { cause: err });
    if (e.name === 'TimeoutError' || signal.aborted) throw new FeedError('timeout', `timed out after ${limits.timeoutMs} ms`, { cause: err });
    const code = errorCode(e);
    if (code?.startsWith('Z_')) throw new FeedError('http', `cannot decode the compressed body: ${e.message}`, { cause: err });
    if (code === 'EADDRREFUSED') throw new FeedError('refused', `refused to fetch ${current}: ${e.cause?.code === code ? e.cause.message : e.message}`, { cause: err });
    const host = hostName(current);
    const detail =
      code === 'ENOTFOUND' ? `ENOTFOUND: no such host ${host}` : code === 'ECONNREFUSED' ? `ECONNREFUSED: nothing listens at ${host}` : code ? `${code} (${host})` : (e.cause?.message ?? e.message);
    throw new FeedError('network', `network error: ${detail}`, { cause: err });
  }
}

const STALE_SOCKET = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

type NetworkError = Error & { code?: string; cause?: { code?: string; message?: string } };

/** The error's code: undici's own on the error, a socket's or the lookup's on it or its cause. */
function errorCode(err: NetworkError): string | undefined {
  return err.cause?.code ?? err.code;
}

/**
 * The pool for hosts the operator typed (the policy's own pool checks every other address).
 * undici's `request`, not WHATWG `fetch`: the same pool and parser at half the CPU per request
 * (no web streams, no Headers objects); so the decompression that fetch did is done here ({@link decoded}).
 */
const direct = new Agent();

/** The content codings {@link decoded} undoes, as fetch offered them. */
const ACCEPT_ENCODING = 'gzip, deflate, br';

function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name];
  return v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v;
}

/** Stops a body's transfer (its socket closed); the abort it reports is expected, not an error. */
function drop(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** Reads a small unwanted body to its end, so the connection can be kept; destroys a large one. */
async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  await body.dump({ limit: 64 * 1024 }).catch(() => undefined);
}

export const FEED_ACCEPT = 'application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5';
export const PAGE_ACCEPT = 'text/html, application/xhtml+xml;q=0.9, */*;q=0.5';

async function readCapped(res: Dispatcher.ResponseData, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  // The cap counts decoded bytes: a small compressed body cannot inflate past it.
  for await (const chunk of decoded(res.body, header(res.headers, 'content-encoding')) as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      drop(res.body);
      throw new FeedError('too-large', `body exceeds the ${formatBytes(maxBytes)} limit (fetch.maxBytes)`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The body with its content codings undone (last applied, first undone), as fetch did; "deflate"
 * is zlib-wrapped by the standard and raw from some servers, so its first byte decides.
 */
function decoded(body: Readable, encoding: string | null): Readable {
  const codings = (encoding ?? '').toLowerCase().split(',').map((c) => c.trim()).filter((c) => c && c !== 'identity').reverse();
  let out = body;
  for (const coding of codings) {
    const make = DECODERS[coding];
    if (!make) {
      drop(body);
      throw new FeedError('http', `the server sent Content-Encoding "${coding}", which we did not offer (we accept ${ACCEPT_ENCODING})`);
    }
    const from = out;
    out = coding === 'deflate' ? inflateAny(from) : pipeline(from, make(), () => undefined);
  }
  return out;
}

const DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/** Inflates zlib-wrapped or raw deflate data, told apart by the first byte (CM = 8 in its low nibble). */
function inflateAny(from: Readable): Readable {
  const out = new PassThrough();
  let decoder: zlib.Inflate | zlib.InflateRaw | undefined;
  from.once('data', (first: Buffer) => {
    from.pause();
    decoder = (first[0]! & 0x0f) === 0x08 ? zlib.createInflate() : zlib.createInflateRaw();
    decoder.write(first);
    pipeline(from, decoder, out, () => undefined);
    from.resume();
  });
  from.once('end', () => decoder ?? out.end());
  from.once('error', (err) => decoder ?? out.destroy(err));
  return out;
}

async function readLocal(url: string, limits: FetchLimits): Promise<FetchResult> {
  let file: string;
  try {
    file = fileURLToPath(url);
    const info = await stat(file);
    if (info.size > limits.maxBytes) throw new FeedError('too-large', `file of ${formatBytes(info.size)} exceeds the ${formatBytes(limits.maxBytes)} limit (fetch.maxBytes)`);
    const bytes = await readFile(file);
    return { status: 'ok', bytes, contentType: null, etag: null, lastModified: null, url };
  } catch (err) {
    if (err instanceof FeedError) throw err;
    throw new FeedError('file', `cannot read ${url}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/** 5242880 → "5 MB", 1536 → "1.5 KB": sizes as people read them. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const [value, unit] = n < 1024 * 1024 ? [n / 1024, 'KB'] : [n / (1024 * 1024), 'MB'];
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
}

function hostName(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
