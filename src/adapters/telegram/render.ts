import type { Digest, DigestStory } from '../../digest/model.js';
import { SOURCES_LINE_OVERHEAD, digestSubtitle, fitSources, storyBadge, storyText } from '../../digest/format.js';

export const TELEGRAM_MAX_CHARS = 4096;

/**
 * Escapes text for Telegram's HTML parse mode. Telegram accepts only &lt; &gt; &amp; &quot;
 * (and numeric references) as entities, so general HTML escapers that emit &apos; or &nbsp;
 * produce messages it rejects; these four replacements are exactly its rule.
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One story; its source list is cut to fit, so a story never needs more than one message. */
function storyHtml(s: DigestStory, n: number, max: number): string {
  const badge = storyBadge(s);
  const head = `<b>${n}. ${escapeHtml(s.headline)}</b>${badge ? ` <i>(${escapeHtml(badge)})</i>` : ''}`;
  const summary = escapeHtml(storyText(s));
  const budget = max - head.length - summary.length - SOURCES_LINE_OVERHEAD;
  const { links, more } = fitSources(s, (src) => `<a href="${escapeHtml(src.url)}">${escapeHtml(src.name)}</a>`, budget);
  return [head, summary, `Sources: ${links}${more ? ` and ${more} more` : ''}`].filter(Boolean).join('\n');
}

/** The digest as Telegram HTML messages of at most 4096 characters, split between stories. */
export function renderTelegram(d: Digest, max = TELEGRAM_MAX_CHARS): string[] {
  const header = `<b>${escapeHtml(d.title)}</b>\n${escapeHtml(digestSubtitle(d))}`;
  const blocks = d.stories.map((s, i) => storyHtml(s, i + 1, max));
  const messages: string[] = [];
  let current = header;
  for (const block of blocks) {
    const candidate = `${current}\n\n${block}`;
    if (candidate.length <= max) {
      current = candidate;
      continue;
    }
    messages.push(current);
    current = block;
  }
  messages.push(current);
  return messages;
}
