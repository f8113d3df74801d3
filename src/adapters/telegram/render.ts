import type { Digest, DigestStory } from '../../digest/model.js';
import { digestSubtitle, shownSources, storyBadge } from '../../digest/format.js';

export const TELEGRAM_MAX_CHARS = 4096;

/**
 * Escapes text for Telegram's HTML parse mode. Telegram accepts only &lt; &gt; &amp; &quot;
 * (and numeric references) as entities, so general HTML escapers that emit &apos; or &nbsp;
 * produce messages it rejects; these four replacements are exactly its rule.
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function storyHtml(s: DigestStory, n: number): string {
  const badge = storyBadge(s);
  const { shown, more } = shownSources(s);
  const links = shown.map((src) => `<a href="${escapeHtml(src.url)}">${escapeHtml(src.name)}</a>`).join(', ');
  return [
    `<b>${n}. ${escapeHtml(s.headline)}</b>${badge ? ` <i>(${escapeHtml(badge)})</i>` : ''}`,
    s.summary ? escapeHtml(s.summary) : '',
    `Sources: ${links}${more ? ` and ${more} more` : ''}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** Cuts a block that alone exceeds the limit at a line break, never inside a tag or an entity. */
function splitOversized(block: string, max: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of block.split('\n')) {
    const piece = line.length > max ? escapeHtml(line.replace(/<[^>]+>/g, '').replace(/&(lt|gt|quot|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', amp: '&' })[e]!)).slice(0, max - 1) + '…' : line;
    if (current && current.length + 1 + piece.length > max) {
      out.push(current);
      current = piece;
    } else current = current ? `${current}\n${piece}` : piece;
  }
  if (current) out.push(current);
  return out;
}

/** The digest as Telegram HTML messages of at most 4096 characters, split between stories. */
export function renderTelegram(d: Digest, max = TELEGRAM_MAX_CHARS): string[] {
  const header = `<b>${escapeHtml(d.title)}</b>\n${escapeHtml(digestSubtitle(d))}`;
  const blocks = d.stories.map((s, i) => storyHtml(s, i + 1));
  const messages: string[] = [];
  let current = header;
  for (const block of blocks) {
    const candidate = `${current}\n\n${block}`;
    if (candidate.length <= max) {
      current = candidate;
      continue;
    }
    messages.push(current);
    if (block.length <= max) current = block;
    else {
      const pieces = splitOversized(block, max);
      messages.push(...pieces.slice(0, -1));
      current = pieces.at(-1)!;
    }
  }
  messages.push(current);
  return messages;
}
