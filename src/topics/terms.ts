/**
 * Term patterns of the topic rules. A term is a word or phrase matched case-insensitively on
 * word boundaries (letters and digits of any script), so `patriot` never matches `compatriot`
 * or `patriotic`. Inside a term, a space or hyphen matches any run of spaces/hyphens
 * ("air defense" = "air-defense"); a trailing `*` allows any word ending ("luftvärn*" matches
 * "luftvärnet", "ukrain*" matches "Ukraina"); `'s` is optional after the last word.
 */
export function termPattern(term: string): string {
  const t = term.trim().toLowerCase().normalize('NFKC');
  const prefix = t.endsWith('*');
  const body = (prefix ? t.slice(0, -1) : t)
    .split(/[\s-]+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/'/g, "['’]"))
    .join('[\\s\\-–]+');
  return `(?<![\\p{L}\\p{N}])${body}${prefix ? '[\\p{L}\\p{N}]*' : ''}(?![\\p{L}\\p{N}])`;
}

/** One regex matching any of the terms; the match tells which text was found. */
export function compileTerms(terms: string[]): RegExp | null {
  if (!terms.length) return null;
  // Longest first so a phrase wins over a word it starts with.
  const sorted = [...new Set(terms)].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map(termPattern).join('|'), 'giu');
}

/** Lower-cases and unifies apostrophes, dashes and spacing so patterns stay simple. */
export function normaliseForMatch(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/[‐‑‒—―]/g, '-')
    .replace(/\s+/g, ' ');
}

/** URL path words: `/2025/07/us-diverts-patriot-systems/` → "us diverts patriot systems". */
export function urlWords(url: string): string {
  try {
    const u = new URL(url);
    return decodeURIComponent(u.pathname).replace(/\.[a-z]{2,5}$/i, '').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  } catch {
    return '';
  }
}
