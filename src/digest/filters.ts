import type { FilterRow } from '../db/subscriptions.js';
import { compileTerms, normaliseForMatch } from '../topics/terms.js';

export type { FilterRow };

/** At most this many filters per chat, each at most this long: bounded work per story and a readable list. */
export const MAX_FILTERS = 20;
export const MAX_FILTER_CHARS = 100;

/**
 * Text as filters compare it: the topic rules' normalisation (case, apostrophes, dashes, spacing),
 * then without diacritics, so "Zelenskyy" finds "Zelenskyý" and "київ" finds "Київ". Both the
 * term and the story pass through it, so a letter that loses a mark (й → и) loses it on both sides.
 */
export function foldForFilter(text: string): string {
  return normaliseForMatch(text).normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
}

/**
 * A chat's filters compiled once: a story passes when none of its `exclude` terms occurs in its
 * title or summary and, if it has `include` terms, at least one of them does. Terms match on word
 * boundaries like the topic rules (`patriot` never matches `compatriot`; a trailing `*` allows
 * any ending).
 */
export class StoryFilter {
  private readonly include: RegExp | null;
  private readonly exclude: RegExp | null;

  constructor(filters: FilterRow[]) {
    const terms = (kind: FilterRow['kind']) => filters.filter((f) => f.kind === kind).map((f) => foldForFilter(f.term));
    this.include = compileTerms(terms('include'));
    this.exclude = compileTerms(terms('exclude'));
  }

  get empty(): boolean {
    return !this.include && !this.exclude;
  }

  passes(story: { title: string; summary: string }): boolean {
    if (this.empty) return true;
    // A field break no phrase can match across, as in the topic matcher.
    const text = `${foldForFilter(story.title)} ⟂ ${foldForFilter(story.summary)}`;
    if (this.exclude && found(this.exclude, text)) return false;
    return !this.include || found(this.include, text);
  }
}

function found(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  return re.test(text);
}
