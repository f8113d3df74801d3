import type { TopicConfig } from '../config/schema.js';
import { compileTerms, normaliseForMatch, TermGates, urlWords } from './terms.js';

export type Field = 'title' | 'description' | 'body' | 'url';
const FIELDS: Field[] = ['title', 'description', 'body', 'url'];

export interface ArticleText {
  title: string;
  description: string;
  body: string;
  url: string;
}

/** A rule group that counted: where its term was found and what it added to the score. */
export interface RuleHit {
  group: string;
  term: string;
  field: Field;
  points: number;
}

/** A rule group whose term was found but did not count, and why. */
export interface RuleMiss {
  group: string;
  term: string;
  field: Field;
  reason: string;
}

export interface TopicDecision {
  topicId: string;
  relevant: boolean;
  score: number;
  threshold: number;
  hits: RuleHit[];
  misses: RuleMiss[];
}

interface CompiledGroup {
  name: string;
  weight: number;
  terms: RegExp;
  requires: RegExp | null;
  unless: RegExp | null;
}

/**
 * Scores an article against one topic's rules. Each rule group adds `weight × field weight`
 * for the best field where one of its terms occurs, if its co-terms are present and none of its
 * negative contexts is; masked phrases are blanked first. Explainable by construction: the
 * decision lists every hit and every term that was found but did not count.
 */
export class TopicMatcher {
  private readonly groups: CompiledGroup[];
  private readonly mask: RegExp | null;
  /** Gates of the groups' terms, then (last) of the mask. */
  private readonly gates: TermGates;

  constructor(readonly topic: TopicConfig) {
    const expand = (terms: string[]) => terms.flatMap((t) => [t, ...(topic.aliases[t.toLowerCase()] ?? topic.aliases[t] ?? [])]);
    this.mask = compileTerms(expand(topic.mask));
    this.groups = topic.groups.map((g) => ({
      name: g.name,
      weight: g.weight,
      terms: compileTerms(expand(g.terms))!,
      requires: compileTerms(expand(g.requires)),
      unless: compileTerms(expand(g.unless)),
    }));
    this.gates = new TermGates([...topic.groups.map((g) => expand(g.terms)), expand(topic.mask)]);
  }

  match(article: ArticleText): TopicDecision {
    const fields: Record<Field, string> = {
      title: normaliseForMatch(article.title),
      description: normaliseForMatch(article.description),
      body: normaliseForMatch(article.body),
      url: normaliseForMatch(urlWords(article.url)),
    };
    // Gated before masking: masking only removes words, so what the gates rule out here they rule
    // out in the masked text too. Most articles carry no masked phrase and are spared its scan.
    const admitted = this.gates.admitted([fields.title, fields.description, fields.body, fields.url]);
    // Nor is the mask read when no group can match (masking only removes words): common words
    // begin masked phrases ("the Patriot Act"), so it would be read in nearly every article.
    const anyGroup = admitted.some((may, i) => may && i < this.groups.length);
    if (this.mask && anyGroup && admitted[this.groups.length]) for (const f of FIELDS) fields[f] = fields[f].replace(this.mask, FIELD_BREAK);
    const hits: RuleHit[] = [];
    const misses: RuleMiss[] = [];
    let score = 0;
    let all: string | undefined;
    for (const [i, g] of this.groups.entries()) {
      if (!admitted[i]) continue;
      let best: { field: Field; term: string; fw: number } | undefined;
      for (const field of FIELDS) {
        const fw = this.topic.fieldWeights[field];
        if (best && fw <= best.fw) continue;
        const found = firstMatch(g.terms, fields[field]);
        if (found) best = { field, term: found, fw };
      }
      if (!best) continue;
      // A negative context counts where it can change what the article is about: in the field of
      // the hit or a weightier one, or in the description's first sentence. A live page's tenth
      // item ("Ukraine strikes a refinery") must not veto its headline ("Russia unleashes missile
      // attacks on Ukraine").
      const context = [...FIELDS.filter((f) => this.topic.fieldWeights[f] >= best.fw).map((f) => fields[f]), firstSentence(fields.description)].join(FIELD_BREAK);
      const blocker = g.unless ? firstMatch(g.unless, context) : null;
      if (blocker) {
        misses.push({ group: g.name, term: best.term, field: best.field, reason: `negative context "${blocker}"` });
        continue;
      }
      // Co-terms are looked for everywhere, the URL's words included.
      all ??= [fields.title, fields.description, fields.body, fields.url].join(FIELD_BREAK);
      if (g.requires && !firstMatch(g.requires, all)) {
        misses.push({ group: g.name, term: best.term, field: best.field, reason: 'no required co-term' });
        continue;
      }
      const points = g.weight * best.fw;
      score += points;
      hits.push({ group: g.name, term: best.term, field: best.field, points: round(points) });
    }
    return { topicId: this.topic.id, relevant: score >= this.topic.threshold, score: round(score), threshold: this.topic.threshold, hits, misses };
  }
}

/** Between fields: no phrase may run from the end of the title into the description. */
const FIELD_BREAK = ' ⟂ ';

function firstSentence(text: string): string {
  const m = /^.*?[.!?](?=\s|$)/su.exec(text);
  return m ? m[0] : text;
}

function firstMatch(re: RegExp, text: string): string | null {
  re.lastIndex = 0;
  const m = re.exec(text);
  return m ? m[0] : null;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
