import { stemmer } from 'stemmer';
import { eng, rus, swe, ukr } from 'stopword';
import { PHRASES, RELATED, SAME_REFERENT } from './entity-aliases.js';
import { JOIN, MARK, RunScanner, WORD } from '../text/runs.js';

/**
 * The cheap tokenizer behind story features: one regular-expression pass, a memoised Porter
 * stemmer, stop-word lists of the languages our feeds publish in. It does in microseconds what the
 * full NLP pipeline did in milliseconds (grouping compares bags of words, it needs no parse), so a
 * 6,000-character page costs well under a millisecond.
 */

export interface TextTokens {
  /** Content-word stems and figures, spellings folded (kiev → kyiv), in text order. */
  terms: string[];
  /** Names, places and figures (`#250`), related names folded (Tokyo → japan). */
  names: string[];
  /** Plain lower-case words, for copy fingerprints. */
  words: string[];
}

// Letters and digits, with dots, apostrophes, hyphens and digit-group commas inside a token:
// `[\p{L}\p{N}][\p{L}\p{N}\p{M}'’.,\-]*`.
const TOKENS = new RunScanner(WORD, WORD | MARK | JOIN);
const TRAILING = /['’.,\-]+$/u;
const UPPER = /^\p{Lu}/u;
const LETTER = /\p{L}/u;
const DIGIT = /\p{N}/u;
/** Characters after which the next word begins a sentence (or a quote, a clause): . ! ? : ; ( " « – — | and newlines. */
const BREAKS = new Set([...'.!?:;\n"“”«»()|–—'].map((c) => c.charCodeAt(0)));

/** Words that say nothing about an event, in the languages of the configured feeds. */
const STOP = new Set<string>([
  // German and Dutch lists are left out: their "war", "die" and "van" are English content words.
  ...eng, ...swe, ...ukr, ...rus,
  // News verbs and fillers the general lists keep.
  'no', 'not', 'says', 'say', 'told', 'tells', 'according', 'will', 'would', 'new', 'news', 'also', 'just', 'amid', 'us’', 'its', 'it’s', 'it\'s',
  'latest', 'live', 'update', 'updates', 'report', 'reports', 'reported', 'week', 'day', 'today', 'yesterday', 'first', 'one', 'two',
]);
// Maps, not object literals: a word such as "constructor" must not find Object's prototype.
const SAME = new Map(Object.entries(SAME_REFERENT));
const RELATE = new Map(Object.entries(RELATED));
const KNOWN = new Set([...SAME.keys(), ...RELATE.keys(), ...RELATE.values()]);

/**
 * `fn` memoised. Bounded: the vocabulary of news is small, but a hostile feed must not grow the
 * memo forever.
 */
function boundedMemo(fn: (word: string) => string, max = 100_000): (word: string) => string {
  const memo = new Map<string, string>();
  return (word) => {
    let s = memo.get(word);
    if (s === undefined) {
      if (memo.size > max) memo.clear();
      memo.set(word, (s = fn(word)));
    }
    return s;
  };
}

/** The Porter stem of any word, memoised (the summariser's content words). */
export const porterStem = boundedMemo(stemmer);
/** Plain English words stemmed, the rest (names in other scripts, "f-16") kept as written. */
const stem = boundedMemo((word) => (/^[a-z]+$/.test(word) ? stemmer(word) : word));

/** Folds multi-word and dotted names ("United States", "U.S.") into one token first. */
export function foldPhrases(text: string): string {
  let t = text;
  for (const [re, to] of PHRASES) t = t.replace(re, to);
  return t;
}

export interface TokenizeOptions {
  /**
   * The text is a headline in Title Case ("Ukraine Shoots Down 30 Drones"): a capital then says
   * nothing, so only known names, acronyms and model designations count as names.
   */
  titleCase?: boolean;
  /** Stop after this many characters. */
  maxChars?: number;
}

/** Where the scan puts what it finds. */
interface TokenSink {
  term(term: string): void;
  name(name: string): void;
  word(word: string): void;
}

class TokenLists implements TextTokens, TokenSink {
  readonly terms: string[] = [];
  readonly names: string[] = [];
  readonly words: string[] = [];
  term(t: string): void {
    this.terms.push(t);
  }
  name(n: string): void {
    this.names.push(n);
  }
  word(w: string): void {
    this.words.push(w);
  }
}

/** Terms and names into one set, words dropped: what document frequencies count. */
class TermSet implements TokenSink {
  constructor(readonly set: Set<string>) {}
  term(t: string): void {
    this.set.add(t);
  }
  name(n: string): void {
    this.set.add(n);
  }
  word(): void {}
}

export function tokenize(text: string, options: TokenizeOptions = {}): TextTokens {
  const lists = new TokenLists();
  scan(text, options, lists);
  return lists;
}

/** Adds the terms and names of `text` to `into` (as `tokenize` finds them, without building its lists). */
export function addTerms(into: Set<string>, text: string, options: TokenizeOptions = {}): void {
  scan(text, options, new TermSet(into));
}

function scan(text: string, options: TokenizeOptions, out: TokenSink): void {
  const source = foldPhrases(options.maxChars && text.length > options.maxChars ? text.slice(0, options.maxChars) : text);
  let last = 0;
  const tokens = TOKENS.reset(source);
  while (tokens.next()) {
    const at = tokens.start;
    let sentenceStart = last === 0;
    for (let i = last; i < at && !sentenceStart; i++) if (BREAKS.has(source.charCodeAt(i))) sentenceStart = true;
    last = tokens.end;
    let token = source.slice(at, last);
    const last1 = token.charCodeAt(token.length - 1);
    if (last1 === 46 || last1 === 44 || last1 === 39 || last1 === 45 || last1 === 8217) token = token.replace(TRAILING, '');
    if (token.charCodeAt(token.length - 1) === 115 && (token.endsWith("'s") || token.endsWith('’s'))) token = token.slice(0, -2);
    if (!token) continue;
    const lower = token.toLowerCase();
    out.word(lower);
    if (!LETTER.test(token)) {
      // A figure: "250", "1,000", "3.5". One digit says nothing ("2 injured" vs "3 injured").
      const digits = lower.replace(/,/g, '');
      if (digits.length >= 2 && /\d\D*\d/.test(digits)) {
        out.term(digits);
        out.name(`#${digits}`);
      }
      continue;
    }
    const hyphenated = lower.includes('-');
    // A model designation (PAC-3, Kh-22, S-300, Su-57) is one name and one term.
    if (hyphenated && DIGIT.test(lower)) {
      const joined = lower.replace(/-/g, '');
      out.term(joined);
      out.name(joined);
      continue;
    }
    const capital = UPPER.test(token);
    const acronym = capital && token.length >= 2 && token === token.toUpperCase();
    const parts = hyphenated ? lower.split('-') : [lower];
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p]!;
      if (part.length < 2 || (!acronym && STOP.has(part))) continue;
      const folded = SAME.get(part);
      out.term(folded ?? stem(part.includes('.') || part.includes("'") || part.includes('’') ? part.replace(/[.'’]/g, '') : part));
      const isName = folded !== undefined || KNOWN.has(part) || acronym || (capital && p === 0 && !sentenceStart && !options.titleCase);
      if (isName) {
        const name = folded ?? part.replace(/\./g, '');
        out.name(RELATE.get(name) ?? name);
      }
    }
  }
}

/** A headline set in Title Case: most of its longer words begin with a capital. */
export function isTitleCase(title: string): boolean {
  const words = title.split(/\s+/u).filter((w) => w.length > 3 && LETTER.test(w[0]!));
  if (words.length < 3) return false;
  return words.filter((w) => UPPER.test(w)).length / words.length >= 0.7;
}
