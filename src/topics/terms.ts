import { RunScanner, WORD, wordsOf } from '../text/runs.js';
import { collapseSpaces } from '../text/space.js';
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
 * A cheap necessary condition for several term sets at once: a term can only match where its
 * first word is a whole word of the text (every pattern starts on a word boundary), or, for a
 * one-word `*` term, where a word starts with its prefix. Most articles carry none of a set's
 * first words, and one pass over the text's words with a map lookup per word (not a scan per
 * set) spares the regex scan of every field.
 */
export class TermGates {
  private readonly byWord = new Map<string, number[]>();
  /** Prefix length → prefix → sets; the lengths, shortest first. */
  private readonly byPrefix = new Map<number, Map<string, number[]>>();
  private readonly lengths: number[];
  /** Every beginning of a prefix term, from the shortest prefix length on: a word stops being looked up at its first start that is none. */
  private readonly prefixStarts = new Set<string>();

  /** `sets[i]`: the terms of set i. */
  constructor(readonly sets: readonly string[][]) {
    const add = <K>(map: Map<K, number[]>, key: K, set: number) => {
      const list = map.get(key);
      if (!list) map.set(key, [set]);
      else if (!list.includes(set)) list.push(set);
    };
    sets.forEach((terms, set) => {
      for (const term of terms) {
        const t = term.trim().toLowerCase().normalize('NFKC');
        const prefix = t.endsWith('*');
        const runs = wordsOf(prefix ? t.slice(0, -1) : t);
        const first = runs[0];
        if (first === undefined) throw new Error(`topic term "${term}" has no letters or digits`);
        if (prefix && runs.length === 1) {
          let byPrefix = this.byPrefix.get(first.length);
          if (!byPrefix) this.byPrefix.set(first.length, (byPrefix = new Map()));
          add(byPrefix, first, set);
        } else add(this.byWord, first, set);
      }
    });
    this.lengths = [...this.byPrefix.keys()].sort((a, b) => a - b);
    for (const byPrefix of this.byPrefix.values()) for (const p of byPrefix.keys()) for (let k = this.lengths[0]!; k <= p.length; k++) this.prefixStarts.add(p.slice(0, k));
  }

  /** Which sets may match in texts already passed through `normaliseForMatch`: `admitted[i]` false when no term of set i can. */
  admitted(texts: readonly string[]): boolean[] {
    const out = new Array<boolean>(this.sets.length).fill(false);
    const mark = (list: number[] | undefined) => {
      if (list) for (const i of list) out[i] = true;
    };
    for (const text of texts) {
      const runs = WORD_RUNS.reset(text);
      while (runs.next()) {
        const w = text.slice(runs.start, runs.end);
        mark(this.byWord.get(w));
        for (const length of this.lengths) {
          if (w.length < length) break;
          const start = length === w.length ? w : w.slice(0, length);
          if (!this.prefixStarts.has(start)) break;
          mark(this.byPrefix.get(length)!.get(start));
        }
      }
    }
    return out;
  }
}

/** Runs of letters and digits (`[\p{L}\p{N}]+`): the words the term patterns' boundaries delimit. */
const WORD_RUNS = new RunScanner(WORD, WORD);

const ASCII = /^[\x00-\x7f]*$/;

/** Lower-cases and unifies apostrophes, dashes and spacing so patterns stay simple. */
export function normaliseForMatch(text: string): string {
  // ASCII text is its own NFKC form and has none of the quotes and dashes below.
  if (ASCII.test(text)) {
    return collapseSpaces(text.toLowerCase().replace(/`/g, "'"));
  }
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
