import { createHash } from 'node:crypto';

/**
 * 64-bit SimHash over word 3-shingles, as two 32-bit halves. Near-identical texts (the same
 * wire copy with a changed word) differ in a few bits; unrelated texts in about 32.
 */
export function simhash(words: string[]): [number, number] {
  const counts = new Int32Array(64);
  const n = Math.max(1, words.length - 2);
  for (let i = 0; i < n; i++) {
    const shingle = words.slice(i, i + 3).join(' ');
    const h = createHash('md5').update(shingle).digest();
    for (let b = 0; b < 64; b++) counts[b]! += (h[b >> 3]! >> (b & 7)) & 1 ? 1 : -1;
  }
  let hi = 0, lo = 0;
  for (let b = 0; b < 32; b++) if (counts[b]! > 0) hi |= 1 << b;
  for (let b = 0; b < 32; b++) if (counts[b + 32]! > 0) lo |= 1 << b;
  return [hi >>> 0, lo >>> 0];
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
