/**
 * Runs of word characters found by a scan over character codes: what `/[\p{L}\p{N}]+/gu` finds,
 * without a match array and a string per run (the topic gates and the tokenizer read every word
 * of every article; their regular-expression matches were a tenth of what a poll allocated).
 * Unicode classes are looked up once per code point and cached.
 */

/** A letter (`\p{L}`). */
export const LETTER = 1;
/** A digit or other number (`\p{N}`). */
export const NUMBER = 2;
/** A letter or a number. */
export const WORD = LETTER | NUMBER;
/** A combining mark (`\p{M}`). */
export const MARK = 4;
/** Apostrophes, dot, comma and hyphen: what the tokenizer keeps inside a token. */
export const JOIN = 8;

const KNOWN = 16;
/** Class bits (| KNOWN once looked up) of every code unit of the Basic Multilingual Plane. */
const bmp = new Uint8Array(0x10000);
const astral = new Map<number, number>();
const IS_LETTER = /^\p{L}$/u;
const IS_NUMBER = /^\p{N}$/u;
const COMBINING = /^\p{M}$/u;

function lookUp(ch: string): number {
  return (IS_LETTER.test(ch) ? LETTER : 0) | (IS_NUMBER.test(ch) ? NUMBER : 0) | (COMBINING.test(ch) ? MARK : 0) | ("'’.,-".includes(ch) ? JOIN : 0);
}

/** Class bits of a code point outside the BMP (a surrogate pair in the text). */
function astralClass(codePoint: number): number {
  let c = astral.get(codePoint);
  if (c === undefined) {
    if (astral.size > 10_000) astral.clear(); // hostile text cannot grow it without bound
    astral.set(codePoint, (c = lookUp(String.fromCodePoint(codePoint))));
  }
  return c;
}

function bmpClass(code: number): number {
  const c = bmp[code]!;
  if (c) return c & ~KNOWN;
  // A lone surrogate is no letter (as for the u-flag regular expressions).
  const looked = code >= 0xd800 && code <= 0xdfff ? 0 : lookUp(String.fromCharCode(code));
  bmp[code] = looked | KNOWN;
  return looked;
}

/**
 * Scans `text` for runs that begin with a character of class `first` and go on while the
 * characters are of class `rest`: `next()` moves to the next run, whose bounds are then
 * `start` and `end` (UTF-16 offsets, end exclusive). One scanner is reused for many texts.
 */
export class RunScanner {
  start = 0;
  end = 0;
  /** The classes of the run's characters, together (`seen & NUMBER`: it holds a digit). */
  seen = 0;
  private text = '';
  private at = 0;
  /** Width (1 or 2 code units) of the character last classified. */
  private width = 1;

  constructor(
    private readonly first: number,
    private readonly rest: number,
  ) {}

  reset(text: string): this {
    this.text = text;
    this.at = 0;
    this.start = this.end = this.seen = 0;
    return this;
  }

  next(): boolean {
    const text = this.text;
    const n = text.length;
    let i = this.at;
    while (i < n && !(this.classAt(text, i) & this.first)) i += this.width;
    if (i >= n) {
      this.at = n;
      return false;
    }
    this.start = i;
    let seen = this.classAt(text, i);
    i += this.width;
    while (i < n) {
      const c = this.classAt(text, i);
      if (!(c & this.rest)) break;
      seen |= c;
      i += this.width;
    }
    this.seen = seen;
    this.end = this.at = i;
    return true;
  }

  private classAt(text: string, i: number): number {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        this.width = 2;
        return astralClass((code - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000);
      }
    }
    this.width = 1;
    return bmpClass(code);
  }
}

const wordRuns = new RunScanner(WORD, WORD);

/** The runs of letters and digits of `text`, as strings (`text.match(/[\p{L}\p{N}]+/gu)`). */
export function wordsOf(text: string): string[] {
  const out: string[] = [];
  const runs = wordRuns.reset(text);
  while (runs.next()) out.push(text.slice(runs.start, runs.end));
  return out;
}
