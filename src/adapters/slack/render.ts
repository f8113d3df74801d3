import type { Alert, Digest, DigestStory } from '../../digest/model.js';
import { SOURCES_LINE_OVERHEAD, alertBadge, cleanAlert, cleanDigest, clip, digestSubtitle, fitSources, fitStory, linkable, storyBadge, storyText } from '../../digest/format.js';

export const SLACK_MAX_BLOCKS = 50;
export const SLACK_MAX_SECTION = 3000;
/**
 * Block text per message. Slack answers `msg_blocks_too_long` past about 13,200 characters of
 * block text in one message although no documented limit says so (bolt-js issue 2509): we split
 * before 12,000.
 */
export const SLACK_MAX_MESSAGE_CHARS = 12_000;
const HEADER_MAX = 150;
/** The `text` fallback: notifications and screen readers show it; Slack truncates long ones. */
const FALLBACK_MAX = 3000;
/** Per-field room in escaped characters: headline and text leave ~1,100 of a section for links. */
const LIMITS = { headline: 300, text: 1500, sourceName: 100, url: 1000, fallbackHeadline: 150 };

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

/** Slack mrkdwn control characters: & < > must be escaped in any text Slack parses. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ESCAPED_SIZE: Record<string, number> = { '&': 5, '<': 4, '>': 4 };
/** A character's size once escaped (escapeMrkdwn): what clip() counts. */
const mrkdwnCost = (ch: string): number => ESCAPED_SIZE[ch] ?? ch.length;

/** Escaped mrkdwn of at most `max` characters. */
export function fitMrkdwn(text: string, max: number): string {
  return escapeMrkdwn(clip(text, max, mrkdwnCost));
}

/** A link target for `<url|label>`: the URL may not contain a raw `|` or `>`. */
function linkUrl(url: string): string {
  return url.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
}

/** One source: a link when its URL can be linked whole, else just the outlet's name. */
function sourceLink(src: DigestStory['sources'][number]): string {
  const name = escapeMrkdwn(src.name || 'source').replace(/\|/g, '¦');
  return linkable(src.url, LIMITS.url) ? `<${linkUrl(src.url)}|${name}>` : name;
}

/** One story as a section; its fields and source list are cut to keep it within 3,000 characters. */
function storySection(story: DigestStory, n: number): { type: 'section'; text: { type: 'mrkdwn'; text: string } } {
  const s = fitStory(story, LIMITS, mrkdwnCost);
  const badge = storyBadge(s);
  const head = `*${n}. ${escapeMrkdwn(s.headline)}*${badge ? ` _(${escapeMrkdwn(badge)})_` : ''}`;
  const summary = escapeMrkdwn(storyText(s));
  const budget = SLACK_MAX_SECTION - head.length - summary.length - SOURCES_LINE_OVERHEAD;
  const { links, more } = fitSources(s, sourceLink, budget);
  const sources = links ? `Sources: ${links}${more ? ` and ${more} more` : ''}` : more ? `${more} sources` : '';
  return { type: 'section', text: { type: 'mrkdwn', text: [head, summary, sources].filter(Boolean).join('\n') } };
}

/** The plain fallback of one message: escaped like any text Slack parses (`<!channel>` must not ping). */
function fallback(title: string | undefined, lines: string[]): string {
  return fitMrkdwn([...(title ? [title] : []), ...lines].join('\n'), FALLBACK_MAX);
}

/**
 * The digest as Block Kit messages: a header, one section per story with its linked sources, a
 * context line. Split into several messages so that each has at most 50 blocks and 12,000
 * characters of block text, every section at most 3,000. Every message carries an escaped plain
 * `text` fallback for notifications.
 */
export function renderSlack(digest: Digest): SlackMessage[] {
  const d = cleanDigest(digest);
  const header = { type: 'header', text: { type: 'plain_text', text: clip(d.title, HEADER_MAX), emoji: true } };
  const contextText = fitMrkdwn(`${digestSubtitle(d)} · news-digest`, 500);
  const context = { type: 'context', elements: [{ type: 'mrkdwn', text: contextText }] };
  if (!d.stories.length) return [{ text: fallback(undefined, [`${d.title}: ${digestSubtitle(d)}`]), blocks: [header, context] }];

  type Draft = { blocks: Record<string, unknown>[]; chars: number; lines: string[] };
  const drafts: Draft[] = [];
  let current: Draft = { blocks: [header], chars: header.text.text.length, lines: [] };
  d.stories.forEach((s, i) => {
    const section = storySection(s, i + 1);
    const size = section.text.text.length;
    const started = current.lines.length > 0;
    // Room is kept for a divider before the section and the closing context block.
    const full = current.blocks.length + (started ? 2 : 1) + 1 > SLACK_MAX_BLOCKS || current.chars + size + contextText.length > SLACK_MAX_MESSAGE_CHARS;
    if (started && full) {
      drafts.push(current);
      current = { blocks: [], chars: 0, lines: [] };
    } else if (started) current.blocks.push({ type: 'divider' });
    current.blocks.push(section);
    current.chars += size;
    current.lines.push(`${i + 1}. ${clip(s.headline, LIMITS.fallbackHeadline)}`);
  });
  current.blocks.push(context);
  drafts.push(current);
  return drafts.map((m, i) => ({ text: fallback(i === 0 ? d.title : undefined, m.lines), blocks: m.blocks }));
}

/** A breaking-story alert as one Slack message (one section, with a plain fallback); edits render the same. */
export function renderSlackAlert(alert: Alert): SlackMessage {
  const s = fitStory(cleanAlert(alert).story, LIMITS, mrkdwnCost);
  const head = `:zap: *${escapeMrkdwn(s.headline)}* _(${escapeMrkdwn(alertBadge(s))})_`;
  const summary = escapeMrkdwn(s.summary);
  const { links, more } = fitSources(s, sourceLink, SLACK_MAX_SECTION - head.length - summary.length - SOURCES_LINE_OVERHEAD);
  const sources = links ? `Sources: ${links}${more ? ` and ${more} more` : ''}` : '';
  const section = { type: 'section', text: { type: 'mrkdwn', text: [head, summary, sources].filter(Boolean).join('\n') } };
  return { text: fallback(undefined, [`${clip(s.headline, LIMITS.fallbackHeadline)} (${alertBadge(s)})`]), blocks: [section] };
}
