import { simhash } from './simhash.js';
import { stripWireSlug, titleKey } from './title.js';
import { addTerms, isTitleCase, tokenize } from './tokens.js';

/** What the story grouper reads of an article. */
export interface ClusterDoc {
  id: number;
  title: string;
  /** Description, or the first lines of the body or fetched page. */
  lead: string;
  /** Whole text for the copy fingerprint (defaults to title + lead). */
  text?: string;
  /** Epoch ms; undefined when unknown (then time plays no part). */
  publishedAt?: number;
  /** The outlet: one outlet seldom files two reports of one event within hours. */
  source?: string;
}

/**
 * An article's features as counts, independent of term weights, so they can be cached and
 * weighted later with whatever the statistics are then. Computed once per article.
 */
export interface DocFeatures {
  /** Term counts of the headline. */
  title: Map<string, number>;
  /** Term counts of headline and lead together. */
  body: Map<string, number>;
  /** Names, places and figures of headline and lead. */
  names: Set<string>;
  /** The headline's first content terms: most headlines open with who acted and what they did. */
  head: string[];
  /** The first name in the headline (the actor, usually), if any. */
  actor?: string;
  titleKey: string;
  hash: [number, number] | null;
  publishedAt?: number;
  source?: string;
}

/** Characters of the lead that the similarity reads: an article's news is in its first paragraphs. */
const LEAD_CHARS = 1500;
/** Words of the text that the copy fingerprint reads. */
const HASH_WORDS = 200;
/** Below this many words a fingerprint is unreliable: short items fold by title or similarity. */
const MIN_HASH_WORDS = 30;

export function docFeatures(doc: ClusterDoc): DocFeatures {
  const headline = stripRubric(stripWireSlug(doc.title));
  const title = tokenize(headline, { titleCase: isTitleCase(headline) });
  const lead = tokenize(doc.lead, { maxChars: LEAD_CHARS });
  const body = counts(title.terms);
  for (const t of lead.terms) body.set(t, (body.get(t) ?? 0) + 1);
  // The fingerprint reads the article's opening: the words already split off headline and lead
  // when they are enough, else the text's first words (one more pass, over a bounded prefix).
  const opening = [...title.words, ...lead.words];
  const words = doc.text && opening.length < HASH_WORDS ? plainWords(doc.text.slice(0, HASH_WORDS * 10)).slice(0, HASH_WORDS) : opening.slice(0, HASH_WORDS);
  return {
    title: counts(title.terms),
    body,
    names: new Set([...title.names, ...lead.names]),
    head: title.terms.slice(0, 3),
    ...(title.names.find((n) => !n.startsWith('#')) ? { actor: title.names.find((n) => !n.startsWith('#'))! } : {}),
    titleKey: titleKey(doc.title),
    hash: words.length >= MIN_HASH_WORDS ? simhash(words.slice(0, HASH_WORDS)) : null,
    publishedAt: doc.publishedAt,
    ...(doc.source ? { source: doc.source.toLowerCase() } : {}),
  };
}

/** Every term and name of a document once: what document frequencies count. */
export function docTerms(f: DocFeatures): Set<string> {
  return new Set([...f.body.keys(), ...f.names]);
}

/**
 * `docTerms(docFeatures(doc))` without the rest of the features: what the term statistics learn
 * from the many articles that are never grouped (off every topic), at the cost of tokenising.
 */
export function docTermsOf(doc: ClusterDoc): Set<string> {
  const headline = stripRubric(stripWireSlug(doc.title));
  const out = new Set<string>();
  addTerms(out, headline, { titleCase: isTitleCase(headline) });
  addTerms(out, doc.lead, { maxChars: LEAD_CHARS });
  return out;
}

/** Live pages and roundups label their headlines ("Ukraine Latest: …", "Russia-Ukraine war live: …"). */
const RUBRIC = /^[^:]{0,40}\b(?:latest|live|recap|updates?|briefing|at a glance|explainer|analysis|war)\b[^:]{0,20}:\s+/iu;

function stripRubric(title: string): string {
  const rest = title.replace(RUBRIC, '');
  return rest.length >= 15 ? rest : title;
}

function plainWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function counts(terms: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of terms) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}
