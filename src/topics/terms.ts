/**
 * Term patterns of the topic rules. A term is a word or phrase matched case-insensitively on
 * word boundaries (letters and digits of any script), so `patriot` never matches `compatriot`
 * or `patriotic`. Inside a term, a space or hyphen matches any run of spaces/hyphens
 * ("air defense" = "air-defense"); a trailing `*` allows any word ending ("luftvärn*" matches
 * "luftvärnet", "ukrain*" matches "Ukraina"); `'s` is optional after the last word.
 */
/** A term's pattern without its word boundaries. */
function termBody(term: string): string {
  const t = term.trim().toLowerCase().normalize('NFKC');
  const prefix = t.endsWith('*');
  const body = (prefix ? t.slice(0, -1) : t)
    .split(/[\s-]+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/'/g, "['’]"))
    .join('[\\s\\-–]+');
  return `${body}${prefix ? '[\\p{L}\\p{N}]*' : ''}`;
}

/** One regex matching any of the terms; the match tells which text was found. */
export function compileTerms(terms: string[]): RegExp | null {
  if (!terms.length) return null;
  // Longest first so a phrase wins over a word it starts with.
  const sorted = [...new Set(terms)].sort((a, b) => b.length - a.length);
  // One boundary check around the alternation, not one per term: V8 then tries the terms only
  // at word starts instead of running every term's look-behind at every position.
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${sorted.map(termBody).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

/**
 * A cheap necessary condition for a term set: the words at least one term starts with (a term
 * can only match where its first word is a whole word of the text, since every pattern starts on
 * a word boundary), and the prefixes of one-word `*` terms. Most articles carry none of a
 * group's words, and a set lookup per word then spares the regex scan of every field.
 */
export class TermGate {
  private readonly words = new Set<string>();
  private readonly prefixes = new Map<number, Set<string>>();

  constructor(terms: string[]) {
    for (const term of terms) {
      const t = term.trim().toLowerCase().normalize('NFKC');
      const prefix = t.endsWith('*');
      const runs = (prefix ? t.slice(0, -1) : t).match(WORD_RUN) ?? [];
      const first = runs[0];
      if (first === undefined) throw new Error(`topic term "${term}" has no letters or digits`);
      if (prefix && runs.length === 1) {
        const set = this.prefixes.get(first.length) ?? new Set<string>();
        set.add(first);
        this.prefixes.set(first.length, set);
      } else this.words.add(first);
    }
  }

  /** False when no term can match in a text with these words. */
  admits(text: TextWords): boolean {
    for (const w of this.words) if (text.words.has(w)) return true;
    for (const [length, set] of this.prefixes) {
      const starts = text.starts(length);
      for (const p of set) if (starts.has(p)) return true;
    }
    return false;
  }
}

/** Runs of letters and digits: the words the term patterns' boundaries delimit. */
const WORD_RUN = /[\p{L}\p{N}]+/gu;

/** The distinct words of texts already passed through `normaliseForMatch`, and their starts. */
export class TextWords {
  readonly words = new Set<string>();
  private readonly startsByLength = new Map<number, Set<string>>();

  constructor(texts: string[]) {
    for (const text of texts) for (const w of text.match(WORD_RUN) ?? []) this.words.add(w);
  }

  /** The words' first `length` characters (words at least that long), computed once per length. */
  starts(length: number): Set<string> {
    let set = this.startsByLength.get(length);
    if (!set) {
      set = new Set();
      for (const w of this.words) if (w.length >= length) set.add(w.slice(0, length));
      this.startsByLength.set(length, set);
    }
    return set;
  }
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
