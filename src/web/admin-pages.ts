import { html, type Html } from './html.js';
import { layout, type PageContext } from './pages.js';
import { formatTime } from './time.js';
import type { FeedHealth, SubscriptionOverview } from '../db/web.js';
import type { UndeliveredDigest } from '../db/outbox.js';

export interface AdminData {
  feeds: FeedHealth[];
  /** Days the feeds' article counts cover. */
  days: number;
  subscriptions: SubscriptionOverview[];
  outbox: UndeliveredDigest[];
  notice: string | null;
}

const when = (ms: number | null, ctx: PageContext) => (ms === null ? '—' : formatTime(ms, ctx.zone));

/** The digest's state as `outbox list` words it. */
function state(d: UndeliveredDigest): string {
  if (d.status === 'pending') return d.attempts > 0 || d.lastError ? 'retrying' : 'pending';
  return d.status;
}

function feedRows(d: AdminData, ctx: PageContext): Html[] {
  return d.feeds.map((f) => {
    const backoff = f.errorCount > 0 ? html`${f.errorCount} failure${f.errorCount === 1 ? '' : 's'} in a row, next try ${when(f.nextPollAt, ctx)}` : html`next poll ${when(f.nextPollAt, ctx)}`;
    return html`<tr><td>${f.title ?? f.url}<br><small>${f.url}</small></td><td>${f.disabledAt ? 'disabled (not in the config)' : (f.lastStatus ?? 'never polled')}</td>
<td>${when(f.lastPolledAt, ctx)}</td><td${f.lastError ? html` class="bad"` : ''}>${f.lastError ?? ''}</td><td>${f.disabledAt ? '' : backoff}</td><td>${(f.recentArticles / d.days).toFixed(1)}</td></tr>`;
  });
}

function subscriptionRows(d: AdminData, ctx: PageContext): Html[] {
  return d.subscriptions.map(
    (s) => html`<tr><td>${s.platform}:${s.chatId}${s.chatTitle ? html`<br><small>${s.chatTitle}</small>` : ''}</td><td>${(JSON.parse(s.topics) as string[]).join(', ')}</td>
<td>${s.schedule} (${s.timezone})</td><td>${when(s.lastDigestAt, ctx)}</td><td>${when(s.nextDueAt, ctx)}</td>
<td${s.active ? '' : html` class="bad"`}>${s.active ? 'active' : `stopped${s.stopReason ? `: ${s.stopReason}` : ''}`}${s.deadDigests ? html`<br>${s.deadDigests} dead digest${s.deadDigests === 1 ? '' : 's'}` : ''}</td></tr>`,
  );
}

function outboxRows(d: AdminData, ctx: PageContext): Html[] {
  return d.outbox.map((o) => {
    const retry = (o.status === 'dead' || o.status === 'failed') && o.subscriptionActive;
    return html`<tr><td>${o.id}</td><td>${state(o)}</td><td>${o.platform}:${o.chatId}</td><td>${when(o.createdAt, ctx)}</td>
<td>${o.partsSent} of ${o.parts}${o.resends ? html`, ${o.resends} sent again after a crash` : ''}</td><td class="bad">${o.lastError ?? ''}${o.subscriptionActive ? '' : html`<br>subscription stopped${o.stopReason ? `: ${o.stopReason}` : ''}`}</td>
<td>${retry ? html`<form method="post" action="${ctx.prefix}/admin/outbox/${o.id}/retry"><button>Retry now</button></form>` : o.status === 'pending' ? `next try ${when(o.nextAttemptAt, ctx)}` : ''}</td></tr>`;
  });
}

/** Feed health, subscriptions and the outbox, on one page. */
export function adminPage(ctx: PageContext, d: AdminData): string {
  const body = html`<h1>Operator</h1>
${d.notice ? html`<p class="notice">${d.notice}</p>` : ''}
<form method="post" action="${ctx.prefix}/admin/logout"><button>Log out</button></form>
<h2 id="feeds">Feeds (${d.feeds.length})</h2>
<table><thead><tr><th>feed</th><th>last status</th><th>last poll</th><th>last error</th><th>backoff</th><th>items/day (${d.days} d)</th></tr></thead><tbody>${feedRows(d, ctx)}</tbody></table>
<h2 id="subscriptions">Subscriptions (${d.subscriptions.length})</h2>
<table><thead><tr><th>chat</th><th>topics</th><th>schedule</th><th>last digest</th><th>next digest</th><th>state</th></tr></thead><tbody>${subscriptionRows(d, ctx)}</tbody></table>
<h2 id="outbox">Outbox: ${d.outbox.length ? `${d.outbox.length} not delivered` : 'every digest delivered'}</h2>
${d.outbox.length ? html`<table><thead><tr><th>digest</th><th>state</th><th>chat</th><th>built</th><th>parts sent</th><th>reason</th><th></th></tr></thead><tbody>${outboxRows(d, ctx)}</tbody></table>` : ''}`;
  return layout(ctx, 'Operator · news-digest', body);
}

export function loginPage(ctx: PageContext, message: string | null): string {
  const body = html`<h1>Operator login</h1>${message ? html`<p class="notice">${message}</p>` : ''}
<form method="post" action="${ctx.prefix}/admin/login"><label>Admin token <input type="password" name="token" autocomplete="current-password" required></label> <button>Log in</button></form>`;
  return layout(ctx, 'Operator login · news-digest', body);
}

export function adminDisabledPage(ctx: PageContext): string {
  return layout(ctx, 'Operator pages disabled · news-digest', html`<h1>Operator pages disabled</h1><p class="notice">The operator pages are off: set ADMIN_TOKEN (at least 16 characters) in the environment or .env and restart.</p>`);
}
