import type { Digest, DigestStory } from './model.js';

/** Shared wording of digests, so every platform says the same thing. */
export const MAX_SOURCES_SHOWN = 8;

export function storyBadge(s: DigestStory): string {
  if (!s.isUpdate) return s.sourceCount > 1 ? `${s.sourceCount} sources` : '';
  // With "Now also" the count closes that line; without, the badge alone says what changed.
  return s.update ? 'update' : `update: ${addedSources(s)}`;
}

/**
 * The text under a story's headline: a new story's summary; for an update, what is new
 * ("Now also: … (+2 sources)") and never the summary the subscriber already read; '' when the new
 * reports add nothing but their names (the badge and the source links say that).
 */
export function storyText(s: DigestStory): string {
  if (!s.isUpdate) return s.summary;
  return s.update ? `Now also: ${s.update} (${addedSources(s)})` : '';
}

function addedSources(s: DigestStory): string {
  return `+${s.newSources} source${s.newSources === 1 ? '' : 's'}`;
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
