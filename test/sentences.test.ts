import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomText } from './helpers/random-text.js';
import { isOneSentence, splitSentences, winkSentences } from '../src/stories/nlp.js';

const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus');

/** Paragraphs of real reports: ECB+ texts, the topic events, the seeds. */
function corpusParagraphs(): string[] {
  const texts: string[] = [];
  const jsonl = (file: string) => readFileSync(path.join(CORPUS, 'eval', file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const r of [...jsonl('ecbplus.jsonl'), ...jsonl('topic-events-dev.jsonl')]) {
    for (const field of ['title', 'description', 'text', 'body']) if (typeof r[field] === 'string') texts.push(r[field]);
  }
  const seeds = path.join(CORPUS, 'seeds');
  for (const f of readdirSync(seeds).filter((f) => f.endsWith('.txt'))) texts.push(readFileSync(path.join(seeds, f), 'utf8'));
  return texts.flatMap((t) => t.split('\n')).filter((p) => p.trim());
}

const ALPHABET = ['a', 'B', 'é', ' ', ' ', ' ', '.', '!', '?', '…', '"', '”', "'", ')', ']', '\n', 'U.S.', 'Dec.', '3.5', 'Mr', '—'];

describe('sentence splitting', () => {
  it('takes as one sentence only what wink-nlp takes as one, in the corpus’s paragraphs (most of them)', () => {
    const paragraphs = corpusParagraphs();
    expect(paragraphs.length).toBeGreaterThan(10_000);
    let spared = 0;
    for (const p of paragraphs) {
      if (!isOneSentence(p.trim())) continue;
      spared++;
      expect(winkSentences(p), p).toEqual([p.trim()]);
      expect(splitSentences(p)).toEqual([p.trim()]);
    }
    // Most paragraphs of news are one sentence.
    expect(spared / paragraphs.length).toBeGreaterThan(0.5);
  });

  it('takes as one sentence only what wink-nlp takes as one, in random texts of marks, quotes and abbreviations', () => {
    let spared = 0;
    for (let seed = 1; seed <= 20_000; seed++) {
      const text = randomText(ALPHABET, seed, 1 + (seed % 40));
      if (!isOneSentence(text.trim())) continue;
      spared++;
      expect(winkSentences(text), JSON.stringify(text)).toEqual([text.trim()]);
    }
    expect(spared).toBeGreaterThan(500);
  });

  it('sees a sentence end before the last one, after closing quotes and across lines', () => {
    expect(isOneSentence('Japan will send Patriot missiles to the US.')).toBe(true);
    expect(isOneSentence('“We will send them,” the minister said.”')).toBe(true);
    expect(isOneSentence('He said "no." Then he left')).toBe(false);
    expect(isOneSentence('Officials met on Dec. 22 in Kyiv')).toBe(false);
    expect(isOneSentence('The first line\nthe second line')).toBe(false);
    expect(splitSentences('  \n ')).toEqual([]);
  });
});
