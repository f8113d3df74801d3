import { html, safeHref, type Html } from './html.js';
import { formatDay, formatTime, iso } from './time.js';
import type { OutletView, StoryView } from './view.js';
import { FEATURE_WORDS, parseEvidence, reasonText } from '../stories/explain-words.js';
import type { WebMember } from '../db/web.js';

/** What every page needs: the link prefix (web.baseUrl's path), the topics, the zone and whether ?tz= chose it. */
export interface PageContext {
  prefix: string;
  topics: { id: string; name: string }[];
  zone: string;
  /** ?tz= as given, kept on the links so a viewer stays in their zone. */
  tzParam: string | null;
}

/** A same-site URL with its query (empty values left out). */
export function link(ctx: PageContext, path: string, query: Record<string, string | number | null | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, tz: ctx.tzParam })) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `${ctx.prefix}${path}${s ? `?${s}` : ''}`;
}

export function layout(ctx: PageContext, title: string, body: Html, head: Html = html``): string {
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="stylesheet" href="${ctx.prefix}/static/style.css">${head}</head>
<body><header class="site"><a class="brand" href="${link(ctx, '/')}">news-digest</a><nav>${ctx.topics.map((t) => html`<a href="${link(ctx, `/topics/${t.id}`)}">${t.name}</a>`)}</nav></header>
<main>${body}</main></body></html>`.value}\n`;
}

function outletItem(o: OutletView): Html {
  const href = safeHref(o.url);
  return html`<li${o.isNew ? html` class="new"` : ''}>${href ? html`<a href="${href}" rel="noopener noreferrer nofollow" title="${o.title}">${o.name}</a>` : o.name}</li>`;
}

function grew(s: StoryView, ctx: PageContext, since: number): Html {
  return s.newSources ? html` <span class="grew">+${s.newSources} ${s.newSources === 1 ? 'source' : 'sources'} since ${formatTime(since, ctx.zone)}</span>` : html``;
}

export interface TopicPageData {
  topic: { id: string; name: string; description?: string };
  /** The day shown (yyyy-MM-dd in the zone), or null when there is no story yet. */
  day: string | null;
  stories: StoryView[];
  total: number;
  page: number;
  pages: number;
  prevDay: string | null;
  nextDay: string | null;
  since: number;
}

/** A topic's stories of one day, latest first, with the outlets that reported each. */
export function topicPage(ctx: PageContext, d: TopicPageData): string {
  const path = `/topics/${d.topic.id}`;
  const stories = d.stories.map(
    (s) => html`<article class="story"><h2><a href="${link(ctx, `/stories/${s.id}`)}">${s.title}</a></h2>
<p class="meta"><time datetime="${iso(s.lastPublished)}">${formatTime(s.lastPublished, ctx.zone)}</time> · ${s.sourceCount} ${s.sourceCount === 1 ? 'source' : 'sources'}${grew(s, ctx, d.since)}</p>
${s.summary ? html`<p class="summary">${s.summary}</p>` : ''}<ul class="outlets">${s.outlets.map(outletItem)}</ul></article>`,
  );
  const older = d.page < d.pages ? link(ctx, path, { day: d.day, page: d.page + 1 }) : d.prevDay ? link(ctx, path, { day: d.prevDay }) : null;
  const newer = d.page > 1 ? link(ctx, path, { day: d.day, page: d.page - 1 }) : d.nextDay ? link(ctx, path, { day: d.nextDay }) : null;
  const body = html`<h1>${d.topic.name}</h1>
${d.day ? html`<p class="meta">${formatDay(d.day, ctx.zone)} (${ctx.zone}) · ${d.total} ${d.total === 1 ? 'story' : 'stories'}${d.pages > 1 ? html` · page ${d.page} of ${d.pages}` : ''} · <a href="${link(ctx, `${path}.atom`)}">Atom</a> · <a href="${link(ctx, `${path}.json`)}">JSON Feed</a></p>` : ''}
<form class="tz" method="get" action="${ctx.prefix}${path}"><label>Time zone <input name="tz" value="${ctx.zone}" size="16" maxlength="64"></label>${d.day ? html`<input type="hidden" name="day" value="${d.day}">` : ''}<button>Show</button></form>
${d.stories.length ? stories : html`<p class="notice">No stories yet: they appear here once the feeds are polled.</p>`}
<nav class="pager"><span>${newer ? html`<a rel="prev" href="${newer}">← Newer</a>` : ''}</span><span>${older ? html`<a rel="next" href="${older}">Older →</a>` : ''}</span></nav>`;
  const feeds = html`<link rel="alternate" type="application/atom+xml" title="${d.topic.name}" href="${ctx.prefix}${path}.atom"><link rel="alternate" type="application/feed+json" title="${d.topic.name}" href="${ctx.prefix}${path}.json">`;
  return layout(ctx, `${d.topic.name} · news-digest`, body, feeds);
}

export interface StoryPageData {
  story: StoryView;
  topicName: string;
  members: WebMember[];
  earlier: { id: number; title: string }[];
  since: number;
}

function why(m: WebMember): Html {
  const evidence = parseEvidence(m.evidence);
  const terms = [...(evidence?.contributions ?? [])].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution)).slice(0, 5);
  return html`<div class="why">${reasonText(m.reason, m.similarity)}${
    terms.length ? html`<ul>${terms.map((c) => html`<li>${c.contribution >= 0 ? '+' : '−'} ${Math.abs(c.contribution).toFixed(2)} ${FEATURE_WORDS[c.feature] ?? c.feature}</li>`)}</ul>` : ''
  }${evidence?.merged ? html`<p>then story #${evidence.merged.from} was folded into it: the two report one event (probability ${evidence.merged.probability})</p>` : ''}</div>`;
}

/** One story: summary, every article with its outlet and why it was grouped, and what it follows up. */
export function storyPage(ctx: PageContext, d: StoryPageData): string {
  const s = d.story;
  const articles = d.members.map((m) => {
    const href = safeHref(m.url);
    const outlet = s.outlets.find((o) => o.url === m.url)?.name ?? new URL(m.url, 'http://x').hostname;
    return html`<li><strong>${outlet}</strong>: ${href ? html`<a href="${href}" rel="noopener noreferrer nofollow">${m.title}</a>` : m.title}
<span class="meta"> · <time datetime="${iso(m.publishedAt)}">${formatTime(m.publishedAt, ctx.zone)}</time></span>${why(m)}</li>`;
  });
  const body = html`<p class="meta"><a href="${link(ctx, `/topics/${s.topicId}`)}">${d.topicName}</a></p>
<h1>${s.title}</h1>
<p class="meta">${formatTime(s.firstPublished, ctx.zone)} – ${formatTime(s.lastPublished, ctx.zone)} (${ctx.zone}) · ${s.sourceCount} ${s.sourceCount === 1 ? 'source' : 'sources'}, ${s.articleCount} ${s.articleCount === 1 ? 'article' : 'articles'}${grew(s, ctx, d.since)}</p>
${s.summary ? html`<p class="summary">${s.summary}</p>` : ''}
<h2>Outlets</h2><ul class="outlets">${s.outlets.map(outletItem)}</ul>
<h2>Articles and why they were grouped</h2><ol class="articles">${articles}</ol>
${d.earlier.length ? html`<h2>Follows up</h2><ul>${d.earlier.map((e) => html`<li><a href="${link(ctx, `/stories/${e.id}`)}">${e.title}</a></li>`)}</ul>` : ''}`;
  return layout(ctx, `${s.title} · news-digest`, body);
}

export function messagePage(ctx: PageContext, title: string, message: string | Html): string {
  return layout(ctx, `${title} · news-digest`, html`<h1>${title}</h1><p class="notice">${message}</p>`);
}
