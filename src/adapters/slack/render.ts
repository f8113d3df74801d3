import type { Digest, DigestStory } from '../../digest/model.js';
import { SOURCES_LINE_OVERHEAD, digestSubtitle, fitSources, storyBadge, storyText } from '../../digest/format.js';

export const SLACK_MAX_BLOCKS = 50;
export const SLACK_MAX_SECTION = 3000;
const HEADER_MAX = 150;

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

/** Slack mrkdwn control characters: & < > must be escaped in any text Slack parses. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A link target for `<url|label>`: the URL may not contain a raw `|` or `>`. */
function linkUrl(url: string): string {
  return url.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
}

/** One story as a section; its source list is cut to keep the section within 3,000 characters. */
function storySection(s: DigestStory, n: number): Record<string, unknown> {
  const badge = storyBadge(s);
  const head = `*${n}. ${escapeMrkdwn(s.headline)}*${badge ? ` _(${escapeMrkdwn(badge)})_` : ''}`;
  const summary = escapeMrkdwn(storyText(s));
  const budget = SLACK_MAX_SECTION - head.length - summary.length - SOURCES_LINE_OVERHEAD;
  const { links, more } = fitSources(s, (src) => `<${linkUrl(src.url)}|${escapeMrkdwn(src.name).replace(/\|/g, '¦')}>`, budget);
  const text = [head, summary, `Sources: ${links}${more ? ` and ${more} more` : ''}`].filter(Boolean).join('\n');
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function plain(d: Digest, stories: DigestStory[], offset: number): string {
  return stories.map((s, i) => `${offset + i + 1}. ${s.headline}`).join('\n') || digestSubtitle(d);
}

/**
 * The digest as Block Kit messages: a header, one section per story with its linked sources, a
 * context line; at most 50 blocks and 3,000 characters per section, split into several messages
 * when needed. Every message carries a plain `text` fallback for notifications.
 */
export function renderSlack(d: Digest): SlackMessage[] {
  const header = { type: 'header', text: { type: 'plain_text', text: d.title.slice(0, HEADER_MAX), emoji: true } };
  const context = { type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(`${digestSubtitle(d)} · news-digest`) }] };
  if (!d.stories.length) return [{ text: `${d.title}: ${digestSubtitle(d)}`, blocks: [header, context] }];
  // Per message: header + context + stories with dividers between them.
  const perMessage = Math.floor((SLACK_MAX_BLOCKS - 2 + 1) / 2);
  const messages: SlackMessage[] = [];
  for (let start = 0; start < d.stories.length; start += perMessage) {
    const chunk = d.stories.slice(start, start + perMessage);
    const blocks: Record<string, unknown>[] = [];
    if (start === 0) blocks.push(header);
    chunk.forEach((s, i) => {
      if (i > 0) blocks.push({ type: 'divider' });
      blocks.push(storySection(s, start + i + 1));
    });
    if (start + perMessage >= d.stories.length) blocks.push(context);
    messages.push({ text: `${start === 0 ? `${d.title}\n` : ''}${plain(d, chunk, start)}`.slice(0, 3000), blocks });
  }
  return messages;
}
