/** A reproducible text of `length` pieces drawn from `alphabet` (a linear congruential sequence from `seed`). */
export function randomText(alphabet: readonly string[], seed: number, length: number): string {
  let x = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += alphabet[x % alphabet.length];
  }
  return out;
}
