import { describe, expect, it } from 'vitest';
import { randomText } from './helpers/random-text.js';
import { JOIN, MARK, RunScanner, WORD, wordsOf } from '../src/text/runs.js';

/** Letters of several scripts, digits, marks, joiners, astral letters and symbols, lone surrogates, controls. */
const ALPHABET = [
  'a', 'Z', 'é', 'ß', 'ж', 'Ї', 'ö', 'ł', 'ع', '中', 'ア', '7', '٣', '½', '²',
  '\u0301', '\u0308', '\u200d', "'", '’', '.', ',', '-', '—', ' ', '\n', '\t', '\u0000', '"', '«', '/', '#',
  '\u{1D400}', '\u{10400}', '😀', '\u{1F1FA}', '\ud800', '\udc00',
];

function runs(scanner: RunScanner, text: string): [number, number][] {
  const out: [number, number][] = [];
  scanner.reset(text);
  while (scanner.next()) out.push([scanner.start, scanner.end]);
  return out;
}

function regexRuns(re: RegExp, text: string): [number, number][] {
  return [...text.matchAll(re)].map((m) => [m.index, m.index + m[0].length]);
}

describe('word runs scanned by character class', () => {
  it('are exactly what the Unicode regular expressions find, on 2,000 random texts', () => {
    const words = new RunScanner(WORD, WORD);
    const tokens = new RunScanner(WORD, WORD | MARK | JOIN);
    for (let seed = 1; seed <= 2000; seed++) {
      const text = randomText(ALPHABET, seed, 1 + (seed % 120));
      expect(runs(words, text), JSON.stringify(text)).toEqual(regexRuns(/[\p{L}\p{N}]+/gu, text));
      expect(runs(tokens, text), JSON.stringify(text)).toEqual(regexRuns(/[\p{L}\p{N}][\p{L}\p{N}\p{M}'’.,\-]*/gu, text));
      expect(wordsOf(text)).toEqual(text.match(/[\p{L}\p{N}]+/gu) ?? []);
    }
  });

  it('read a pair of surrogates as one character and a lone one as none', () => {
    expect(wordsOf('x\u{1D400}y \ud800z 😀w')).toEqual(['x\u{1D400}y', 'z', 'w']);
    expect(wordsOf('')).toEqual([]);
    expect(wordsOf('\udbff')).toEqual([]);
  });
});
