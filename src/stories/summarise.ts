import { isBoilerplateLine, stripBoilerplate } from '../ingest/boilerplate.js';
import type { IdfModel } from './idf.js';
import { analyse, splitSentences } from './nlp.js';
import { stripWireSlug } from './title.js';

export interface SummaryInput {
  title: string;
  /** Feed description. */
  description: string;
  /** Article body (feed content or the fetched page), may be empty. */
  body: string;
}

export interface Summary {
  headline: string;
  text: string;
  sentences: string[];
}

export interface SummaryOptions {
  maxChars?: number;
  maxSentences?: number;
  /** MMR trade-off: 1 = only centrality, 0 = only novelty. */
  lambda?: number;
}

interface Candidate {
  text: string;
  vector: Map<string, number>;
  score: number;
}

const MIN_SENTENCE = 40;
const MAX_SENTENCE = 320;

/**
 * Extractive, faithful summary of a story: every sentence is copied whole from one of its
 * articles. Sentences are ranked by closeness to the centroid of all the story's sentences (what
 * most outlets say), with a small bonus for leads; MMR then removes repetition; 2-3 sentences,
 * at most `maxChars`. The headline is the title closest to the centroid of all titles.
 */
export function summarise(articles: SummaryInput[], idf: IdfModel, options: SummaryOptions = {}): Summary {
  const maxChars = options.maxChars ?? 450;
  const maxSentences = options.maxSentences ?? 3;
  const lambda = options.lambda ?? 0.7;

  const titles = articles.map((a) => {
    const text = stripWireSlug(a.title);
    return { text, vector: vectorOf(text, idf) };
  });
  const titleCentroid = sum(titles.map((t) => t.vector));
  const headline = titles.reduce<{ text: string; s: number }>((best, t) => {
    const s = cosine(t.vector, titleCentroid);
    return s > best.s ? { text: t.text, s } : best;
  }, { text: titles[0]?.text ?? '', s: -1 }).text;

  // A sentence that only repeats a headline adds nothing to it.
  const seen = new Set<string>(titles.map((t) => sentenceKey(t.text)));
  const candidates: Candidate[] = [];
  for (const a of articles) {
    // The outlet's own abstract first, then the article text.
    const source = [a.description, stripBoilerplate(a.body)].filter((t) => t.trim()).join('\n');
    const sentences = source.split('\n').flatMap((p) => splitSentences(p));
    sentences.forEach((text, position) => {
      const key = sentenceKey(text);
      if (seen.has(key) || !usable(text)) return;
      seen.add(key);
      // Leads carry the news; later sentences background.
      candidates.push({ text, vector: vectorOf(text, idf), score: position === 0 ? 0.15 : position === 1 ? 0.08 : position === 2 ? 0.04 : 0 });
    });
  }
  // Central = close to what all the sentences say and to what the headlines announce.
  const centroid = sum(candidates.map((c) => c.vector));
  for (const c of candidates) c.score += 0.5 * cosine(c.vector, centroid) + 0.5 * cosine(c.vector, titleCentroid);

  const chosen: Candidate[] = [];
  let length = 0;
  const pool = [...candidates];
  while (chosen.length < maxSentences && pool.length) {
    let bestIndex = -1;
    let bestValue = -Infinity;
    pool.forEach((c, i) => {
      if (length + (chosen.length ? 1 : 0) + c.text.length > maxChars) return;
      const redundancy = chosen.reduce((m, s) => Math.max(m, cosine(c.vector, s.vector)), 0);
      if (redundancy > 0.6) return; // says the same thing again
      const value = lambda * c.score - (1 - lambda) * redundancy;
      if (value > bestValue) {
        bestValue = value;
        bestIndex = i;
      }
    });
    if (bestIndex < 0) break;
    const [c] = pool.splice(bestIndex, 1);
    chosen.push(c!);
    length += (chosen.length > 1 ? 1 : 0) + c!.text.length;
  }
  const sentences = chosen.map((c) => c.text);
  return { headline, text: sentences.join(' '), sentences };
}

/** Words of a sentence, for spotting repeats. */
function sentenceKey(text: string): string {
  return text.toLowerCase().replace(/\W+/g, ' ').trim();
}

/** A sentence fit for a summary: complete, of reasonable length, not page furniture. */
function usable(text: string): boolean {
  if (text.length < MIN_SENTENCE || text.length > MAX_SENTENCE) return false;
  if (!/[.!?]["'”’»)]?$/.test(text)) return false; // unfinished or a heading
  if (/\s[.!?]$/.test(text)) return false; // a word is missing before the full stop
  // Two sentences run together where words were lost ("since the 2022 In February, Russia…").
  if (/[\p{Ll}\d] (?:In|On|At|After|Before|Last|But|It|He|She|They|We|This|That)\s/u.test(text)) return false;
  if (!/^["'“‘«(]?[\p{Lu}\d]/u.test(text)) return false; // starts mid-sentence
  if (isBoilerplateLine(text)) return false;
  return true;
}

function vectorOf(text: string, idf: IdfModel): Map<string, number> {
  const v = new Map<string, number>();
  for (const t of analyse(text).terms) v.set(t, (v.get(t) ?? 0) + 1);
  let norm2 = 0;
  for (const [t, n] of v) {
    const w = (1 + Math.log(n)) * idf.idf(t);
    v.set(t, w);
    norm2 += w * w;
  }
  const norm = Math.sqrt(norm2) || 1;
  for (const [t, w] of v) v.set(t, w / norm);
  return v;
}

function sum(vectors: Map<string, number>[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of vectors) for (const [t, w] of v) out.set(t, (out.get(t) ?? 0) + w);
  return out;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0, na = 0, nb = 0;
  for (const [t, w] of a) {
    dot += w * (b.get(t) ?? 0);
    na += w * w;
  }
  for (const w of b.values()) nb += w * w;
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
