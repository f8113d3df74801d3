/**
 * 64-bit SimHash over word 3-shingles, as two 32-bit halves. Near-identical texts (the same
 * wire copy with a changed word) differ in a few bits; unrelated texts in about 32.
 *
 * Each word is hashed once (FNV-1a, two seeds) and a shingle's hash mixes its three words' hashes
 * with a MurmurHash3 finaliser: a cryptographic hash per shingle cost 5 µs each, most of the cost
 * of grouping a full-text article.
 */
export function simhash(words: string[]): [number, number] {
  // Set bits per position; a bit of the result is on where more than half the shingles have it.
  const ones = new Int32Array(64);
  const lo = words.map((w) => fnv1a(w, 0x811c9dc5));
  const hi = words.map((w) => fnv1a(w, 0x01000193));
  const n = Math.max(1, words.length - 2);
  for (let i = 0; i < n; i++) {
    const a = mix((lo[i] ?? 0) ^ rotl(lo[i + 1] ?? 0, 11) ^ rotl(lo[i + 2] ?? 0, 22));
    const b = mix((hi[i] ?? 0) ^ rotl(hi[i + 1] ?? 0, 13) ^ rotl(hi[i + 2] ?? 0, 26));
    // Visit only the set bits (x & -x isolates the lowest one).
    for (let x = a; x !== 0; x &= x - 1) ones[31 - Math.clz32(x & -x)]!++;
    for (let x = b; x !== 0; x &= x - 1) ones[63 - Math.clz32(x & -x)]!++;
  }
  let h0 = 0, h1 = 0;
  for (let bit = 0; bit < 32; bit++) {
    if (ones[bit]! * 2 > n) h0 |= 1 << bit;
    if (ones[bit + 32]! * 2 > n) h1 |= 1 << bit;
  }
  return [h0 >>> 0, h1 >>> 0];
}

function fnv1a(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** MurmurHash3's 32-bit finaliser: every input bit flips about half the output bits. */
function mix(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hamming(a: [number, number], b: [number, number]): number {
  return popcount((a[0] ^ b[0]) >>> 0) + popcount((a[1] ^ b[1]) >>> 0);
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Bits two texts may differ in and still be copies (random pairs differ in about 32). */
export const NEAR_COPY_BITS = 6;

/** Eight 8-bit bands: two hashes within 7 bits share at least one band exactly. */
export function simhashBands(h: [number, number]): string[] {
  const out: string[] = [];
  for (let i = 0; i < 4; i++) out.push(`${i}:${(h[0] >>> (i * 8)) & 0xff}`, `${i + 4}:${(h[1] >>> (i * 8)) & 0xff}`);
  return out;
}
