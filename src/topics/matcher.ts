import type { TopicConfig } from '../config/schema.js';
import { compileTerms, normaliseForMatch, TermGate, TextWords, urlWords } from './terms.js';

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
  gate: TermGate;
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

  constructor(readonly topic: TopicConfig) {
    const expand = (terms: string[]) => terms.flatMap((t) => [t, ...(topic.aliases[t.toLowerCase()] ?? topic.aliases[t] ?? [])]);
    this.mask = compileTerms(expand(topic.mask));
    this.groups = topic.groups.map((g) => ({
      name: g.name,
      weight: g.weight,
      terms: compileTerms(expand(g.terms))!,
      gate: new TermGate(expand(g.terms)),
      requires: compileTerms(expand(g.requires)),
      unless: compileTerms(expand(g.unless)),
    }));
  }

  match(article: ArticleText): TopicDecision {
    const fields: Record<Field, string> = {
      title: this.prepare(article.title),
      description: this.prepare(article.description),
      body: this.prepare(article.body),
      url: this.prepare(urlWords(article.url)),
    };
    // Co-terms and negative contexts are looked for everywhere, the URL's words included.
    const all = [fields.title, fields.description, fields.body, fields.url].join(FIELD_BREAK);
    const hits: RuleHit[] = [];
    const misses: RuleMiss[] = [];
    let score = 0;
    const words = new TextWords([fields.title, fields.description, fields.body, fields.url]);
    for (const g of this.groups) {
      if (!g.gate.admits(words)) continue;
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

  private prepare(text: string): string {
    const t = normaliseForMatch(text);
    return this.mask ? t.replace(this.mask, ' ⟂ ') : t;
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
