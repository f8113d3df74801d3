import { escapeText as x, html, safeHref } from './html.js';
import { iso } from './time.js';
import type { StoryView } from './view.js';

/** What both feed formats say about a topic; `base` is the absolute address of the site (no trailing /). */
export interface FeedInput {
  topic: { id: string; name: string; description?: string };
  base: string;
  stories: StoryView[];
}

/** An entry's id: stable for the story's whole life (and independent of the address it is served at). */
export function entryId(topicId: string, storyId: number): string {
  return `urn:news-digest:${topicId}:story:${storyId}`;
}

/** The feed's last change: its newest entry's, or the epoch for an empty feed (so the body, and its ETag, stay stable). */
export function lastChange(stories: StoryView[]): number {
  return stories.reduce((max, s) => Math.max(max, s.changedAt), 0);
}

/** The entry body: the summary, then every outlet linked to its own report. */
function contentHtml(s: StoryView): string {
  return html`${s.summary ? html`<p>${s.summary}</p>` : ''}<p>Reported by ${s.sourceCount} ${s.sourceCount === 1 ? 'outlet' : 'outlets'}:</p><ul>${s.outlets.map((o) => {
    const href = safeHref(o.url);
    return html`<li>${href ? html`<a href="${href}">${o.name}</a>` : o.name}: ${o.title}</li>`;
  })}</ul>`.value;
}

/** Atom 1.0 (RFC 4287): one entry per story; `updated` moves when the story grows or its summary changes. */
export function atomFeed(f: FeedInput): string {
  const self = `${f.base}/topics/${f.topic.id}`;
  const entries = f.stories.map(
    (s) => `<entry>
<id>${x(entryId(f.topic.id, s.id))}</id>
<title type="text">${x(s.title)}</title>
<link rel="alternate" type="text/html" href="${x(`${f.base}/stories/${s.id}`)}"/>
<published>${iso(s.firstPublished)}</published>
<updated>${iso(s.changedAt)}</updated>
${s.summary ? `<summary type="text">${x(s.summary)}</summary>\n` : ''}<content type="html">${x(contentHtml(s))}</content>
</entry>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>${x(`urn:news-digest:${f.topic.id}`)}</id>
<title type="text">${x(f.topic.name)}</title>
${f.topic.description ? `<subtitle type="text">${x(f.topic.description.trim())}</subtitle>\n` : ''}<updated>${iso(lastChange(f.stories))}</updated>
<link rel="self" type="application/atom+xml" href="${x(`${self}.atom`)}"/>
<link rel="alternate" type="text/html" href="${x(self)}"/>
<author><name>news-digest</name></author>
<generator>news-digest</generator>
${entries.join('\n')}
</feed>
`;
}

/** JSON Feed 1.1: the same entries; `_news_digest` (an extension, as the spec allows) lists the outlets as data. */
export function jsonFeed(f: FeedInput): string {
  const self = `${f.base}/topics/${f.topic.id}`;
  return `${JSON.stringify(
    {
      version: 'https://jsonfeed.org/version/1.1',
      title: f.topic.name,
      home_page_url: self,
      feed_url: `${self}.json`,
      ...(f.topic.description ? { description: f.topic.description.trim() } : {}),
      authors: [{ name: 'news-digest' }],
      items: f.stories.map((s) => ({
        id: entryId(f.topic.id, s.id),
        url: `${f.base}/stories/${s.id}`,
        title: s.title,
        ...(s.summary ? { summary: s.summary } : {}),
        content_html: contentHtml(s),
        date_published: iso(s.firstPublished),
        date_modified: iso(s.changedAt),
        _news_digest: { article_count: s.articleCount, sources: s.outlets.map((o) => ({ name: o.name, url: o.url, title: o.title })) },
      })),
    },
    null,
    1,
  )}\n`;
}
