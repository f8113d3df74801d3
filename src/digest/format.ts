import type { Digest, DigestStory } from './model.js';

/** Shared wording of digests, so every platform says the same thing. */
export const MAX_SOURCES_SHOWN = 8;

export function storyBadge(s: DigestStory): string {
  if (!s.isUpdate) return s.sourceCount > 1 ? `${s.sourceCount} sources` : '';
  return `update: +${s.newSources} source${s.newSources === 1 ? '' : 's'}`;
}

/**
 * The source links to show: at most MAX_SOURCES_SHOWN, and only as many rendered links (joined by
 * ", ") as fit in `budget` characters, so a story always fits its platform's message or section.
 * `render` formats one source for the platform.
 */
export function fitSources(s: DigestStory, render: (src: DigestStory['sources'][number]) => string, budget = Infinity): { links: string; more: number } {
  const kept: string[] = [];
  let used = 0;
  for (const src of s.sources.slice(0, MAX_SOURCES_SHOWN)) {
    const link = render(src);
    const cost = link.length + (kept.length ? 2 : 0);
    if (used + cost > budget) break;
    kept.push(link);
    used += cost;
  }
  return { links: kept.join(', '), more: s.sources.length - kept.length };
}

/** Room the "Sources: … and N more" line needs besides the links themselves. */
export const SOURCES_LINE_OVERHEAD = 40;

export function digestSubtitle(d: Digest): string {
  const n = d.stories.length;
  const more = d.omitted ? ` (${d.omitted} more not shown)` : '';
  return n ? `${n} ${n === 1 ? 'story' : 'stories'}${more}` : (d.note ?? 'Nothing new.');
}
