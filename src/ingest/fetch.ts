import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { fetch, type Response } from 'undici';
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
      const headers: Record<string, string> = { 'user-agent': limits.userAgent, accept };
      if (validators.etag) headers['if-none-match'] = validators.etag;
      if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
      const target = new URL(current);
      const checked = policy && target.host !== policy.trustedHost;
      if (checked) policy.policy.check(target);
      const init = { headers, redirect: 'manual' as const, signal, ...(checked ? { dispatcher: policy.policy.dispatcher } : {}) };
      // A kept-alive connection the server closed at the same moment fails at once: a GET is safe
      // to send again, once, on a new connection.
      const res = await fetch(current, init).catch((err: Error & { cause?: { code?: string } }) => {
        if (signal.aborted || !STALE_SOCKET.has(err.cause?.code ?? '')) throw err;
        return fetch(current, init);
      });
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        const location = res.headers.get('location');
        await res.body?.cancel();
        if (!location) throw new FeedError('http', `HTTP ${res.status} redirect without a Location header`);
        const next = new URL(location, current).toString();
        if (seen.has(next) || hop + 1 > limits.maxRedirects) {
          throw new FeedError('redirects', seen.has(next) ? `redirect loop (${current} → ${next})` : `more than ${limits.maxRedirects} redirects (last: ${next})`);
        }
        seen.add(current);
        current = next;
        continue;
      }
      if (res.status === 304) {
        await res.body?.cancel();
        return { status: 'not-modified' };
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new FeedError('http', `HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
      }
      const declared = Number(res.headers.get('content-length'));
      if (declared > limits.maxBytes) {
        await res.body?.cancel();
        throw new FeedError('too-large', `body of ${formatBytes(declared)} exceeds the ${formatBytes(limits.maxBytes)} limit (fetch.maxBytes)`);
      }
      const bytes = await readCapped(res, limits.maxBytes);
      return {
        status: 'ok',
        bytes,
        contentType: res.headers.get('content-type'),
        contentLocation: res.headers.get('content-location'),
        etag: res.headers.get('etag'),
        lastModified: res.headers.get('last-modified'),
        url: current,
      };
    }
  } catch (err) {
    if (err instanceof FeedError) throw err;
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (cancel?.aborted && !timeout.aborted) throw new FeedError('timeout', 'transfer cut off', { cause: err });
    if (e.name === 'TimeoutError' || signal.aborted) throw new FeedError('timeout', `timed out after ${limits.timeoutMs} ms`, { cause: err });
    if (e.cause?.code === 'EADDRREFUSED') throw new FeedError('refused', `refused to fetch ${current}: ${e.cause.message}`, { cause: err });
    const code = e.cause?.code;
    const host = hostName(current);
    const detail =
      code === 'ENOTFOUND' ? `ENOTFOUND: no such host ${host}` : code === 'ECONNREFUSED' ? `ECONNREFUSED: nothing listens at ${host}` : code ? `${code} (${host})` : (e.cause?.message ?? e.message);
    throw new FeedError('network', `network error: ${detail}`, { cause: err });
  }
}

const STALE_SOCKET = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

export const FEED_ACCEPT = 'application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5';
export const PAGE_ACCEPT = 'text/html, application/xhtml+xml;q=0.9, */*;q=0.5';

async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      await res.body.cancel().catch(() => undefined);
      throw new FeedError('too-large', `body exceeds the ${formatBytes(maxBytes)} limit (fetch.maxBytes)`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
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
