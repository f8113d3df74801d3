import type { Alert, Digest, DigestStory } from '../../digest/model.js';
import { SOURCES_LINE_OVERHEAD, alertBadge, cleanAlert, cleanDigest, clip, digestSubtitle, fitSources, fitStory, linkable, storyBadge, storyText } from '../../digest/format.js';

export const TELEGRAM_MAX_CHARS = 4096;

/**
 * Per-field room in escaped characters. A story's headline and text together leave at least
 * ~1,400 characters of a 4,096-character message for its source links, so every story fits one
 * message whatever its feed sent (a 100 KB title was rejected as "message is too long").
 */
const LIMITS = { title: 256, headline: 512, text: 2048, sourceName: 100, url: 1024 };

/**
 * Escapes text for Telegram's HTML parse mode. Telegram accepts only &lt; &gt; &amp; &quot;
 * (and numeric references) as entities, so general HTML escapers that emit &apos; or &nbsp;
 * produce messages it rejects; these four replacements are exactly its rule.
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const ESCAPED_SIZE: Record<string, number> = { '&': 5, '<': 4, '>': 4, '"': 6 };
/** A character's size once escaped (escapeHtml): what clip() counts. */
export const htmlCost = (ch: string): number => ESCAPED_SIZE[ch] ?? ch.length;

/** One source: a link when its URL can be linked whole, else just the outlet's name. */
function sourceHtml(src: DigestStory['sources'][number]): string {
  const name = escapeHtml(src.name || 'source');
  const href = escapeHtml(src.url);
  return linkable(src.url, LIMITS.url) && href.length <= LIMITS.url ? `<a href="${href}">${name}</a>` : name;
}

/** One story; its fields and source list are cut to fit, so a story never needs more than one message. */
function storyHtml(story: DigestStory, n: number, max: number): string {
  const s = fitStory(story, LIMITS, htmlCost);
  const badge = storyBadge(s);
  const head = `<b>${n}. ${escapeHtml(s.headline)}</b>${badge ? ` <i>(${escapeHtml(badge)})</i>` : ''}`;
  const summary = escapeHtml(storyText(s));
  const budget = max - head.length - summary.length - SOURCES_LINE_OVERHEAD;
  const { links, more } = fitSources(s, sourceHtml, budget);
  const sources = links ? `Sources: ${links}${more ? ` and ${more} more` : ''}` : more ? `${more} sources` : '';
  return [head, summary, sources].filter(Boolean).join('\n');
}

/** The digest as Telegram HTML messages of at most 4096 characters, split between stories. */
export function renderTelegram(digest: Digest, max = TELEGRAM_MAX_CHARS): string[] {
  const d = cleanDigest(digest);
  const header = `<b>${escapeHtml(clip(d.title, LIMITS.title, htmlCost))}</b>\n${escapeHtml(clip(digestSubtitle(d), LIMITS.headline, htmlCost))}`;
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

/**
 * A breaking-story alert as one Telegram HTML message: the headline, how many outlets report it
 * now, the summary and the linked sources. Its edits render the same way with the story as it is
 * then, so the message grows in place.
 */
export function renderTelegramAlert(alert: Alert, max = TELEGRAM_MAX_CHARS): string {
  const s = fitStory(cleanAlert(alert).story, LIMITS, htmlCost);
  const head = `⚡ <b>${escapeHtml(s.headline)}</b>\n<i>${escapeHtml(alertBadge(s))}</i>`;
  const summary = escapeHtml(s.summary);
  const { links, more } = fitSources(s, sourceHtml, max - head.length - summary.length - SOURCES_LINE_OVERHEAD);
  const sources = links ? `Sources: ${links}${more ? ` and ${more} more` : ''}` : '';
  return [head, summary, sources].filter(Boolean).join('\n');
}
