import type { Digest, DigestStory } from './model.js';

/** Shared wording of digests, so every platform says the same thing. */
export const MAX_SOURCES_SHOWN = 8;

export function storyBadge(s: DigestStory): string {
  if (!s.isUpdate) return s.sourceCount > 1 ? `${s.sourceCount} sources` : '';
  return `update: +${s.newSources} source${s.newSources === 1 ? '' : 's'}`;
}

export function shownSources(s: DigestStory): { shown: DigestStory['sources']; more: number } {
  return { shown: s.sources.slice(0, MAX_SOURCES_SHOWN), more: Math.max(0, s.sources.length - MAX_SOURCES_SHOWN) };
}

export function digestSubtitle(d: Digest): string {
  const n = d.stories.length;
  const more = d.omitted ? ` (${d.omitted} more not shown)` : '';
  return n ? `${n} ${n === 1 ? 'story' : 'stories'}${more}` : (d.note ?? 'Nothing new.');
}
