import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../src/ingest/charset.js';
import { FeedError } from '../src/ingest/errors.js';
import { normaliseItem } from '../src/ingest/normalise.js';
import { parseFeed } from '../src/ingest/parse.js';

/**
 * Every file of the shared feed corpus (read in place, never copied), in a seeded random
 * order, in one process: no throw but FeedError, every parse settles, and parsing all of them
 * at once in another order gives each file exactly the result it gets alone.
 */
const CORPUS = path.resolve(import.meta.dirname, '..', '..', 'shared', 'corpus', 'feeds');
const present = existsSync(CORPUS);
if (!present) console.warn(`feeds-corpus: ${CORPUS} is absent; the corpus suite is skipped`);

const SEED = Number(process.env.CORPUS_SEED ?? 20260110);
/** A parse is synchronous inside; a file that takes this long has hung. */
const HANG_MS = 15_000;
const NOW = Date.parse('2026-01-10T12:00:00Z');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : name === 'README.md' || name === 'SOURCES.json' ? [] : [p];
  });
}

function shuffled<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The bytes and Content-Type a test server would send (feedparser files name theirs in `Header:` lines). */
function response(file: string): { bytes: Uint8Array; contentType: string; url: string } {
  let bytes: Uint8Array = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      /* served as is */
    }
  }
  const rel = path.relative(CORPUS, file).split(path.sep).join('/');
  const header = rel.startsWith('feedparser/') ? /^Header:\s*Content-Type:\s*(.*?)\s*$/im.exec(Buffer.from(bytes.subarray(0, 4096)).toString('latin1')) : null;
  return { bytes, contentType: header?.[1] ?? 'application/xml', url: `http://corpus.example/${rel}` };
}

async function outcome(file: string): Promise<string> {
  const { bytes, contentType, url } = response(file);
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`did not settle in ${HANG_MS} ms`)), HANG_MS)));
  try {
    const { feed } = await Promise.race([parseFeed(decodeBody(bytes, contentType).text, { baseUrl: url }), hang]);
    const links = feed.items.map((i) => normaliseItem(i, url, NOW)?.link ?? '-');
    return JSON.stringify({ title: feed.title ?? null, format: feed.format, links, skipped: feed.skipped.length });
  } catch (err) {
    if (err instanceof FeedError) return `FeedError ${err.kind}`;
    throw new Error(`${path.relative(CORPUS, file)}: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!present)('the shared feed corpus', () => {
  const all = present ? files(CORPUS) : [];

  it(`parses every file (seed ${SEED}): no throw but FeedError, no hang, and the same result alone as all at once`, { timeout: 120_000 }, async () => {
    expect(all.length).toBeGreaterThan(2000);
    const alone = new Map<string, string>();
    for (const f of shuffled(all, SEED)) alone.set(f, await outcome(f));
    const order = shuffled(all, SEED + 1);
    const together = await Promise.all(order.map((f) => outcome(f)));
    const differing = order.filter((f, i) => together[i] !== alone.get(f)).map((f) => path.relative(CORPUS, f));
    expect(differing).toEqual([]);
    const parsed = [...alone.values()].filter((o) => !o.startsWith('FeedError')).length;
    expect(parsed).toBeGreaterThan(all.length * 0.98);
  });
});
