/**
 * Corpus measurement (not in CI): every file of ../shared/corpus/feeds through our decode →
 * parseFeed → normaliseItem, against Python feedparser 6 on the same bytes and headers
 * (bench/corpus-feedparser.py; Debian's python3-feedparser).
 *   npx tsx bench/corpus-compare.ts [corpusDir] [--verbose]
 * Prints: files where feedparser has linked entries and we store none, files where we store
 * fewer or other links, linked-item totals, errors/crashes and the slowest file.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { decodeBody } from '../src/ingest/charset.js';
import { parseFeed } from '../src/ingest/parse.js';
import { normaliseItem } from '../src/ingest/normalise.js';
import { FeedError } from '../src/ingest/errors.js';

const dir = path.resolve(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? '../shared/corpus/feeds');
const verbose = process.argv.includes('--verbose');
const python = process.env.FEEDPARSER_PYTHON ?? '/usr/bin/python3';
const lines = execFileSync(python, [path.join(import.meta.dirname, 'corpus-feedparser.py'), dir], { maxBuffer: 1 << 28 }).toString().trim().split('\n');
const fp = new Map<string, { links?: string[]; bozo?: number; version?: string; headers: Record<string, string>; crash?: string }>();
for (const l of lines) {
  const d = JSON.parse(l);
  fp.set(d.file, d);
}

const norm = (u: string) => {
  try {
    return new URL(u).href;
  } catch {
    return u;
  }
};
const now = Date.now();
let oursTotal = 0;
let fpTotal = 0;
let oursUnique = 0;
let fpUnique = 0;
const lost: string[] = [];
const fewer: string[] = [];
const crashes: string[] = [];
const errors = new Map<string, number>();
let slowest = { file: '', ms: 0 };
let files = 0;
let ok = 0;
let skippedItems = 0;
const started = performance.now();
for (const file of walk(dir)) {
  const rel = path.relative(dir, file);
  if (rel === 'README.md' || rel === 'SOURCES.json') continue;
  files++;
  const ref = fp.get(rel);
  const headers = ref?.headers ?? {};
  let bytes: Uint8Array = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      /* served as is */
    }
  }
  const url = headers['content-location'] ?? `http://corpus.example/${rel}`;
  const t = performance.now();
  let links: string[] = [];
  try {
    const { text } = decodeBody(bytes, headers['content-type']);
    const { feed } = await withTimer(parseFeed(text, { baseUrl: url }), 10_000, rel);
    skippedItems += feed.skipped.length;
    for (const item of feed.items.slice(0, 1000)) {
      const n = normaliseItem(item, url, now);
      if (n) links.push(n.link);
    }
    ok++;
  } catch (err) {
    if (err instanceof FeedError) errors.set(err.kind, (errors.get(err.kind) ?? 0) + 1);
    else crashes.push(`${rel}: ${(err as Error).message}`);
    links = [];
    if (verbose) console.log(`error ${rel}: ${(err as Error).message}`);
  }
  const ms = performance.now() - t;
  if (ms > slowest.ms) slowest = { file: rel, ms };
  const theirs = (ref?.links ?? []).map(norm).filter((l) => /^https?:\/\//i.test(l)); // only what can be stored: an http(s) URL
  const ours = links.map(norm);
  oursTotal += ours.length;
  fpTotal += theirs.length;
  oursUnique += new Set(ours).size;
  fpUnique += new Set(theirs).size;
  if (theirs.length && !ours.length) lost.push(`${rel} (feedparser ${theirs.length} linked, ${ref?.version}, bozo ${ref?.bozo})`);
  else {
    const mine = new Set(ours);
    const missing = [...new Set(theirs)].filter((l) => !mine.has(l));
    if (missing.length) fewer.push(`${rel}: ${missing.length} of feedparser's ${new Set(theirs).size} links not ours, e.g. ${missing[0]!.slice(0, 120)} (ours e.g. ${ours[0]?.slice(0, 120) ?? '-'})`);
  }
}
console.log(`corpus: ${files} files in ${((performance.now() - started) / 1000).toFixed(1)} s; parsed ok ${ok}; FeedErrors ${[...errors].map(([k, n]) => `${k} ${n}`).join(', ') || 0}; crashes (non-FeedError) ${crashes.length}; slowest ${slowest.file} ${slowest.ms.toFixed(0)} ms`);
console.log(`linked items: ours ${oursTotal} (unique per file ${oursUnique}), feedparser ${fpTotal} (unique per file ${fpUnique}); items skipped by the parser: ${skippedItems}`);
console.log(`files where feedparser has linked entries and we store none: ${lost.length}`);
for (const l of lost) console.log(`  ${l}`);
console.log(`files where we store fewer or other links than feedparser: ${fewer.length}`);
for (const l of fewer) console.log(`  ${l}`);
for (const c of crashes) console.log(`crash ${c}`);

function* walk(d: string): Generator<string> {
  for (const name of readdirSync(d).sort()) {
    const p = path.join(d, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

function withTimer<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`HANG: ${what} did not settle in ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}
