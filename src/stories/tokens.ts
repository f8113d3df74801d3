import { stemmer } from 'stemmer';
import { eng, rus, swe, ukr } from 'stopword';
import { PHRASES, RELATED, SAME_REFERENT } from './entity-aliases.js';
import { JOIN, LETTER, MARK, NUMBER, RunScanner, WORD } from '../text/runs.js';

/**
 * The cheap tokenizer behind story features: one scan of character classes, a memoised Porter
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
const LETTER_RE = /\p{L}/u;
/** Characters after which the next word begins a sentence (or a quote, a clause): . ! ? : ; ( " « – — | and newlines. */
const BREAKS = new Uint8Array(0x10000);
for (const c of '.!?:;\n"“”«»()|–—') BREAKS[c.charCodeAt(0)] = 1;

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

/** Any of the phrases (one pass): most texts hold none, and need none of the nine replaces. */
const ANY_PHRASE = new RegExp(PHRASES.map(([re]) => `(?:${re.source})`).join('|'), 'u');

/** Folds multi-word and dotted names ("United States", "U.S.") into one token first. */
export function foldPhrases(text: string): string {
  if (!ANY_PHRASE.test(text)) return text;
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
    for (let i = last; i < at && !sentenceStart; i++) if (BREAKS[source.charCodeAt(i)]) sentenceStart = true;
    last = tokens.end;
    let token = source.slice(at, last);
    let letters = (tokens.seen & LETTER) !== 0;
    const last1 = token.charCodeAt(token.length - 1);
    if (last1 === 46 || last1 === 44 || last1 === 39 || last1 === 45 || last1 === 8217) token = token.replace(TRAILING, '');
    if (token.charCodeAt(token.length - 1) === 115 && (token.endsWith("'s") || token.endsWith('’s'))) {
      token = token.slice(0, -2);
      letters = LETTER_RE.test(token);
    }
    if (!token) continue;
    const lower = token.toLowerCase();
    out.word(lower);
    if (!letters) {
      // A figure: "250", "1,000", "3.5". One digit says nothing ("2 injured" vs "3 injured").
      const digits = lower.includes(',') ? lower.replace(/,/g, '') : lower;
      if (digits.length >= 2 && /\d\D*\d/.test(digits)) {
        out.term(digits);
        out.name(`#${digits}`);
      }
      continue;
    }
    const hyphenated = lower.includes('-');
    // A model designation (PAC-3, Kh-22, S-300, Su-57) is one name and one term.
    if (hyphenated && tokens.seen & NUMBER) {
      const joined = lower.replace(/-/g, '');
      out.term(joined);
      out.name(joined);
      continue;
    }
    const first = token.charCodeAt(0);
    const capital = first < 128 ? first >= 65 && first <= 90 : UPPER.test(token);
    const acronym = capital && token.length >= 2 && token === token.toUpperCase();
    const sentenceName = capital && !sentenceStart && !options.titleCase;
    if (!hyphenated) {
      part(lower, acronym, sentenceName, out);
      continue;
    }
    const parts = lower.split('-');
    for (let p = 0; p < parts.length; p++) part(parts[p]!, acronym, sentenceName && p === 0, out);
  }
}

/** One word (or one part of a hyphenated word): its term, and its name when it is one. */
function part(word: string, acronym: boolean, capitalised: boolean, out: TokenSink): void {
  if (word.length < 2 || (!acronym && STOP.has(word))) return;
  const folded = SAME.get(word);
  out.term(folded ?? stem(word.includes('.') || word.includes("'") || word.includes('’') ? word.replace(/[.'’]/g, '') : word));
  if (folded !== undefined || acronym || capitalised || KNOWN.has(word)) {
    const name = folded ?? (word.includes('.') ? word.replace(/\./g, '') : word);
    out.name(RELATE.get(name) ?? name);
  }
}

/** A headline set in Title Case: most of its longer words begin with a capital. */
export function isTitleCase(title: string): boolean {
  const words = title.split(/\s+/u).filter((w) => w.length > 3 && LETTER_RE.test(w[0]!));
  if (words.length < 3) return false;
  return words.filter((w) => UPPER.test(w)).length / words.length >= 0.7;
}
