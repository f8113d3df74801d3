import { afterAll, beforeAll, expect, it } from 'vitest';
import { AlertRepo } from '../../src/db/alerts.js';
import { ArticleRepo } from '../../src/db/articles.js';
import { DigestStoryRepo } from '../../src/db/digest-stories.js';
import { FeedRepo } from '../../src/db/feeds.js';
import { HealthQueries } from '../../src/db/health.js';
import { IdfStore, TopicDfStore } from '../../src/db/idf-store.js';
import { OutboxRepo } from '../../src/db/outbox.js';
import { RateSlotRepo } from '../../src/db/rate-slots.js';
import { RetentionRepo } from '../../src/db/retention.js';
import type { Store } from '../../src/db/store.js';
import { StoryRepo } from '../../src/db/stories.js';
import { SubscriptionRepo } from '../../src/db/subscriptions.js';
import { TopicDecisionRepo } from '../../src/db/topics.js';
import { WebRepo } from '../../src/db/web.js';
import type { NormalisedItem } from '../../src/ingest/normalise.js';
import { IdfModel } from '../../src/stories/idf.js';
import { describeEngines, freshStore } from '../helpers/engines.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');
let n = 0;
function item(over: Partial<NormalisedItem> = {}): NormalisedItem {
  n++;
  return { guid: `g${n}`, url: `https://news.example/${n}`, link: `https://news.example/${n}`, title: `Title ${n}`, description: `Description ${n}`, content: '', author: null, source: null, publishedAt: T0 + n * 60_000, contentHash: `h${n}`, ...over };
}

/** The repositories behave the same on SQLite and PostgreSQL: each query of src/db/ once per engine. */
describeEngines('repositories', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterAll(async () => cleanup?.());

  it('feeds: the config seeds its feeds and disables the ones taken out of it', async () => {
    const feeds = new FeedRepo(store);
    expect(await feeds.seed([{ url: 'https://a.example/rss', title: 'A' }, { url: 'https://b.example/rss' }], T0)).toEqual([]);
    expect((await feeds.add('https://user.example/rss', 'user', T0)).created).toBe(true);
    expect((await feeds.add('https://user.example/rss', 'user', T0)).created).toBe(false);
    // B leaves the config: disabled, kept; the user's feed is untouched.
    expect(await feeds.seed([{ url: 'https://a.example/rss', title: 'A2' }], T0 + 1)).toEqual(['https://b.example/rss']);
    const list = await feeds.list();
    expect(list.map((f) => [f.url, f.origin, f.disabled_at !== null])).toEqual([
      ['https://a.example/rss', 'config', false],
      ['https://b.example/rss', 'config', true],
      ['https://user.example/rss', 'user', false],
    ]);
    expect(list[0]!.title).toBe('A2');
    expect((await feeds.active()).map((f) => f.url)).toEqual(['https://a.example/rss', 'https://user.example/rss']);
    // Back in the config: polled again.
    await feeds.seed([{ url: 'https://a.example/rss' }, { url: 'https://b.example/rss' }], T0 + 2);
    expect((await feeds.active()).length).toBe(3);
  });

  it('feeds: two workers never lease one feed; a lease that ran out is taken over; a poll gives it back', async () => {
    const feeds = new FeedRepo(store);
    const all = await feeds.active();
    const a = await feeds.claim('worker-a', T0, T0 + 60_000, 2);
    const b = await feeds.claim('worker-b', T0, T0 + 60_000, 10);
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(all.length - 2);
    expect(new Set([...a, ...b].map((f) => f.id)).size).toBe(all.length);
    expect(await feeds.claim('worker-c', T0 + 1000, T0 + 61_000, 10)).toEqual([]);
    // Worker A dies: after its lease, C takes A's feeds, not B's (B finished and gave one back).
    await feeds.recordSuccess(b[0]!.id, { status: 'ok', etag: 'e1', title: 'Feed title', now: T0 + 2000, nextPollAt: T0 + 2000 });
    const c = await feeds.claim('worker-c', T0 + 61_000, T0 + 121_000, 10);
    expect(c.map((f) => f.id).sort()).toEqual([...a.map((f) => f.id), b[0]!.id].sort());
    const polled = (await feeds.byId(b[0]!.id))!;
    expect(polled).toMatchObject({ last_status: 'ok', etag: 'e1', error_count: 0, poll_owner: 'worker-c' });
    // A feed that is not due is not leased by the due claim, only when asked for by id.
    await feeds.recordFailure(a[0]!.id, { kind: 'http', message: 'HTTP 500', now: T0 + 62_000, nextPollAt: T0 + 3_600_000 });
    expect((await feeds.byId(a[0]!.id))!).toMatchObject({ error_count: 1, last_status: 'http', poll_owner: null });
    expect((await feeds.claim('worker-d', T0 + 200_000, T0 + 260_000, 10)).map((f) => f.id)).not.toContain(a[0]!.id);
    expect((await feeds.claim('worker-d', T0 + 200_000, T0 + 260_000, 10, [a[0]!.id])).map((f) => f.id)).toEqual([a[0]!.id]);
    await feeds.release(a[0]!.id, 'worker-d');
    expect((await feeds.byId(a[0]!.id))!.poll_owner).toBeNull();
    expect(await feeds.failingCount()).toBe(1);
    expect((await feeds.failing(5)).map((f) => f.id)).toEqual([a[0]!.id]);
    expect(await feeds.lastPollAt()).toBe(T0 + 62_000);
  });

  it('articles: new, unchanged, edited, a copy from another feed, and repeats within one answer', async () => {
    const feeds = new FeedRepo(store);
    const [f1, f2] = (await feeds.active()).map((f) => f.id) as [number, number];
    const articles = new ArticleRepo(store);
    const a = item();
    const b = item();
    const first = await articles.upsertMany(f1, [a, b, { ...a, title: 'A again in the same answer', contentHash: 'other' }], T0);
    expect(first.map((r) => r.outcome)).toEqual(['new', 'new', 'unchanged']);
    expect(first[2]!.id).toBe(first[0]!.id);
    // The answer's last version of a repeated item is the one stored.
    expect((await articles.get(first[0]!.id))!.title).toBe('A again in the same answer');
    await articles.markProcessed([first[0]!.id, first[1]!.id], T0 + 1);
    expect(await articles.pendingCount()).toBe(0);
    // Polled again: unchanged; edited (same GUID, new text): updated and pending again.
    const second = await articles.upsertMany(f1, [{ ...a, title: 'A again in the same answer', contentHash: 'other' }, { ...b, title: 'B edited', contentHash: 'h-b2' }], T0 + 2);
    expect(second.map((r) => r.outcome)).toEqual(['unchanged', 'updated']);
    expect(second.map((r) => r.id)).toEqual(first.slice(0, 2).map((r) => r.id));
    expect(await articles.pending(10)).toEqual([first[1]!.id]);
    const edited = (await articles.get(first[1]!.id))!;
    expect(edited).toMatchObject({ title: 'B edited', processed_at: null, updated_at: T0 + 2 });
    // The same URL from another feed is a copy: left as first stored.
    expect((await articles.upsertMany(f2, [{ ...b, guid: 'other-guid', title: 'B from elsewhere', contentHash: 'x' }], T0 + 3))[0]).toEqual({ id: first[1]!.id, outcome: 'unchanged' });
    expect(await articles.count()).toBe(2);
    // Read before processing, edited meanwhile: no longer pending as read.
    expect([...(await articles.stillPending([{ id: edited.id, updatedAt: edited.updated_at }, { id: first[0]!.id, updatedAt: T0 }]))]).toEqual([edited.id]);
    expect((await articles.getMany([edited.id, first[0]!.id, 999_999])).map((r) => r.id)).toEqual([first[0]!.id, edited.id].sort((x, y) => x - y));
    expect((await articles.byUrl(a.url))!.id).toBe(first[0]!.id);
    await articles.setPageText(edited.id, 'page text', null, T0 + 4);
    expect((await articles.get(edited.id))!).toMatchObject({ page_text: 'page text', page_fetched_at: T0 + 4 });
  });

  it('articles: a few hundred items of one answer land in a few statements, ids matched to their URLs', async () => {
    const [f1] = (await new FeedRepo(store).active()).map((f) => f.id) as [number];
    const items = Array.from({ length: 450 }, () => item());
    const rows = await new ArticleRepo(store).upsertMany(f1, items, T0 + 10);
    expect(rows.every((r) => r.outcome === 'new')).toBe(true);
    const stored = await new ArticleRepo(store).getMany(rows.map((r) => r.id));
    const byId = new Map(stored.map((s) => [s.id, s]));
    items.forEach((it, i) => expect(byId.get(rows[i]!.id)!.url).toBe(it.url));
  });

  it('topic decisions: saved in bulk, a later decision replaces the earlier one', async () => {
    const [id] = await new ArticleRepo(store).pending(1);
    const repo = new TopicDecisionRepo(store);
    const d = { topicId: 'patriot-ukraine', relevant: true, score: 6.5, threshold: 3, hits: [], misses: [] };
    await repo.saveMany([{ articleId: id!, decision: d as never }], T0);
    await repo.saveMany([{ articleId: id!, decision: { ...d, relevant: false, score: 1 } as never }], T0 + 1);
    expect(await repo.forArticle(id!)).toEqual([{ topicId: 'patriot-ukraine', relevant: false, score: 1, hits: { hits: [], misses: [], threshold: 3 }, decidedAt: T0 + 1 }]);
  });

  it('term statistics: pending counts flush additively and load back', async () => {
    const m = await new IdfStore(store).load();
    m.observe(['patriot', 'kyiv']);
    m.observe(['patriot']);
    await new IdfStore(store).flush(m);
    expect(m.pendingDocs).toBe(0);
    m.observe(['patriot']);
    await store.transaction((tx) => new IdfStore(tx).flush(m));
    const again = await new IdfStore(store).load();
    expect([again.docs, again.docFreq('patriot'), again.docFreq('kyiv'), again.docFreq('none')]).toEqual([3, 3, 1, 0]);
    const t = new IdfModel();
    t.observe(['berlin']);
    await new TopicDfStore(store).flush('patriot-ukraine', t);
    t.observe(['berlin', 'odesa']);
    await new TopicDfStore(store).flush('patriot-ukraine', t);
    const topic = await new TopicDfStore(store).load('patriot-ukraine');
    expect([topic.docs, topic.docFreq('berlin'), topic.docFreq('odesa')]).toEqual([2, 2, 1]);
  });

  it('stories: reserved ids, members, counts by outlet, merges, the active window, what subscribers saw', async () => {
    const stories = new StoryRepo(store);
    const ids = await stories.reserveIds(3);
    expect(new Set(ids).size).toBe(3);
    const [s1, s2] = ids as [number, number];
    await stories.create(s1, 'patriot-ukraine', 'Germany pledges a Patriot', T0, T0);
    await stories.create(s2, 'patriot-ukraine', 'Berlin sends another Patriot', T0 + 1000, T0);
    const arts = await new ArticleRepo(store).listing({ limit: 4 });
    const [a1, a2, a3] = arts.map((a) => a.id) as [number, number, number];
    await stories.addMembers([{ storyId: s1, articleId: a1, similarity: 1, reason: 'first', threadId: 7 }], T0);
    await stories.addMembers([{ storyId: s1, articleId: a1, similarity: 0.5, reason: 'again' }], T0); // ignored
    await stories.addMembers([{ storyId: s2, articleId: a2, similarity: 1, reason: 'first', evidence: { probability: 0.9 } }, { storyId: s2, articleId: a3, similarity: 0.8, reason: 'similar' }], T0);
    await stories.refresh([s1, s2], T0 + 5);
    const one = (await stories.get(s1))!;
    expect(one).toMatchObject({ article_count: 1, needs_summary: 1, updated_at: T0 + 5 });
    expect((await stories.get(s2))!.article_count).toBe(2);
    expect(await stories.memberIds(s2)).toEqual([a2, a3].sort((x, y) => x - y));
    expect((await stories.membersAmong(s2, [a3])).map((m) => m.article_id)).toEqual([a3]);
    expect(await stories.storyOf(a2, 'patriot-ukraine')).toBe(s2);
    expect([...(await stories.inStoriesOf([a1, a2, 999_999], 'patriot-ukraine'))].sort()).toEqual([a1, a2].sort());
    expect(await stories.maxThreadId()).toBe(7);
    expect((await stories.membershipsOf(a2))[0]).toMatchObject({ story_id: s2, reason: 'first', evidence: '{"probability":0.9}' });
    expect(await stories.needingSummary(10)).toEqual([s1, s2].sort((x, y) => x - y));
    await stories.setSummary(s1, 'Headline', 'Summary.', T0 + 6);
    expect(await stories.needingSummary(10)).toEqual([s2]);
    // s2 folds into s1: its members move, it points at s1.
    await stories.merge(s2, s1, T0 + 7);
    await stories.refresh([s1], T0 + 7);
    expect((await stories.get(s1))!.article_count).toBe(3);
    expect((await stories.get(s2))!).toMatchObject({ merged_into: s1, article_count: 0 });
    // Span and outlets come from the memberships' copies of their articles' times and outlets.
    const byId = new Map(arts.map((a) => [a.id, a]));
    const times = [a1, a2, a3].map((id) => byId.get(id)!.published_at);
    expect((await stories.get(s1))!).toMatchObject({ first_published: Math.min(...times), last_published: Math.max(...times) });
    const outlets = (await stories.get(s1))!.source_count;
    const before = await store.k.selectFrom('articles').select(['source', 'published_at']).where('id', '=', a1).executeTakeFirstOrThrow();
    // An edited article (another outlet, a later time) is stamped again: the story follows it.
    await store.k.updateTable('articles').set({ source: 'Another Outlet', published_at: T0 + 86_400_000 }).where('id', '=', a1).execute();
    await stories.stamp([a1]);
    await stories.refresh([s1], T0 + 8);
    expect((await stories.get(s1))!).toMatchObject({ source_count: outlets + 1, last_published: T0 + 86_400_000 });
    await store.k.updateTable('articles').set(before).where('id', '=', a1).execute();
    await stories.stamp([a1]);
    await stories.refresh([s1], T0 + 7);
    expect((await stories.get(s1))!).toMatchObject({ source_count: outlets, last_published: Math.max(...times) });
    expect((await stories.list({ topicId: 'patriot-ukraine' })).map((s) => s.id)).toEqual([s1]);
    expect((await stories.activeMembers('patriot-ukraine', 0)).map((m) => m.article_id).sort()).toEqual([a1, a2, a3].sort());
    expect(await stories.activeMembers('patriot-ukraine', Date.parse('2030-01-01'))).toEqual([]);
    expect(await stories.deliveredAmong([s1])).toEqual(new Set());
  });

  it('subscriptions: settings, filters in the order added, due subscriptions', async () => {
    const subs = new SubscriptionRepo(store);
    await subs.insert({ platform: 'telegram', chatId: '42', chatTitle: 'Chat', topics: ['patriot-ukraine'], schedule: 'daily 08:00', timezone: 'Europe/Kyiv', maxStories: 8, nextDueAt: T0, now: T0 });
    // A second subscribe of the same chat at the same moment does not fail.
    await subs.insert({ platform: 'telegram', chatId: '42', chatTitle: null, topics: [], schedule: 'off', timezone: 'UTC', maxStories: 1, nextDueAt: null, now: T0 });
    const sub = (await subs.get('telegram', '42'))!;
    expect(sub).toMatchObject({ chatTitle: 'Chat', topics: ['patriot-ukraine'], active: true, alertThreshold: null, quiet: null });
    await subs.setAlerts(sub.id, 3, true, T0 + 1);
    await subs.setAlerts(sub.id, 2, false, T0 + 2);
    expect((await subs.byId(sub.id))!).toMatchObject({ alertThreshold: 2, alertSkipDigest: false, alertsSince: T0 + 1 });
    await subs.setQuiet(sub.id, { start: '22:00', end: '07:00', mode: 'silent' }, T0);
    expect((await subs.byId(sub.id))!.quiet).toEqual({ start: '22:00', end: '07:00', mode: 'silent' });
    for (const [kind, term] of [['exclude', 'football'], ['include', 'Patriot'], ['exclude', 'Ажур']] as const) expect(await subs.addFilter(sub.id, kind, term, T0)).toBe(true);
    expect(await subs.addFilter(sub.id, 'exclude', 'football', T0)).toBe(false);
    expect(await subs.filters(sub.id)).toEqual([
      { kind: 'exclude', term: 'football' },
      { kind: 'include', term: 'Patriot' },
      { kind: 'exclude', term: 'Ажур' },
    ]);
    expect(await subs.removeFilter(sub.id, 'include', 'Patriot')).toBe(true);
    expect(await subs.clearFilters(sub.id)).toBe(2);
    expect(await subs.dueIds(T0 - 1)).toEqual([]);
    expect(await subs.dueIds(T0)).toEqual([sub.id]);
    await subs.setNextDue(sub.id, T0 + 86_400_000);
    expect(await subs.dueIds(T0)).toEqual([]);
    expect((await subs.alerting()).map((s) => s.id)).toEqual([sub.id]);
  });

  it('outbox: one digest per window, leases, parts, unknown outcomes counted, dead letters requeued', async () => {
    const sub = (await new SubscriptionRepo(store).get('telegram', '42'))!;
    const outbox = new OutboxRepo(store);
    const d = { subscriptionId: sub.id, windowKey: '2026-03-03T06:00:00.000Z', windowStart: T0, windowEnd: T0 + 1, model: '{"stories":[]}', status: 'pending' as const, now: T0 };
    const id = (await outbox.insertDigest(d))!;
    expect(id).toBeGreaterThan(0);
    expect(await outbox.insertDigest(d)).toBeUndefined();
    expect((await outbox.ready(['telegram'], T0, 'w1', 10)).map((r) => r.id)).toEqual([id]);
    expect(await outbox.ready(['slack'], T0, 'w1', 10)).toEqual([]);
    expect(await outbox.claim(id, 'w1', T0, T0 + 300_000)).toBe(true);
    expect(await outbox.claim(id, 'w2', T0 + 1, T0 + 300_001)).toBe(false);
    expect(await outbox.ready(['telegram'], T0 + 1, 'w2', 10)).toEqual([]);
    // Its own lease (a restart under the same worker id) is ready for w1 at once.
    expect((await outbox.ready(['telegram'], T0 + 1, 'w1', 10)).map((r) => r.id)).toEqual([id]);
    await outbox.storeParts(id, ['{"a":1}', '{"a":2}']);
    await outbox.storeParts(id, ['{"other":1}']);
    expect((await outbox.parts(id)).map((p) => p.payload)).toEqual(['{"a":1}', '{"a":2}']);
    await outbox.markAttempt(id, 0, T0 + 2, 'w1', T0 + 400_000);
    await outbox.markAttempt(id, 0, T0 + 3, 'w1', T0 + 400_000); // a send of unknown outcome, then again
    await outbox.partSent(id, 0, 'm-100', T0 + 4, 'w1', T0 + 500_000);
    const parts = await outbox.parts(id);
    expect(parts[0]).toMatchObject({ messageId: 'm-100', attemptedAt: T0 + 3 });
    const listed = (await outbox.undelivered()).find((u) => u.id === id)!;
    expect(listed).toMatchObject({ status: 'sending', parts: 2, partsSent: 1, resends: 1, subscriptionActive: true });
    await outbox.finish(id, 'dead', 'network error', T0 + 5, 9);
    expect(await outbox.deadIds()).toEqual([id]);
    expect((await outbox.deadCounts()).get(sub.id)).toBe(1);
    expect(await outbox.requeue(id, T0 + 6)).toBe(true);
    expect(await outbox.requeue(id, T0 + 6)).toBe(false);
    await outbox.markSent(id, T0 + 7);
    expect((await outbox.undelivered()).some((u) => u.id === id)).toBe(false);
    await outbox.markSeen(sub.id, id, [], T0 + 7);
    expect((await new SubscriptionRepo(store).byId(sub.id))!.lastDigestAt).toBe(T0 + 7);
    // Worker ids: saved, taken over (another instance), refreshed only by their holder.
    await outbox.transaction(async (repo) => {
      expect(await repo.worker('host-1', { lock: true })).toBeUndefined();
      await repo.saveWorker({ id: 'host-1', instance: 'i1', host: 'h', pid: 1, startedAt: T0, seenAt: T0 });
    });
    expect(await outbox.beat('host-1', 'i1', T0 + 1)).toBe(true);
    expect(await outbox.beat('host-1', 'other', T0 + 1)).toBe(false);
    expect((await outbox.worker('host-1'))!.seenAt).toBe(T0 + 1);
  });

  it('alerts and digests: stories of a subscription\'s topics at its threshold, once per story', async () => {
    const sub = (await new SubscriptionRepo(store).get('telegram', '42'))!;
    const [story] = await new StoryRepo(store).list({ topicId: 'patriot-ukraine' });
    const alerts = new AlertRepo(store);
    // Its three reports come from one feed: one outlet; alerts at 2 outlets leave it out, at 1 take it.
    expect(story!.source_count).toBe(1);
    expect(await alerts.alertsDue(0)).toEqual([]);
    await new SubscriptionRepo(store).setAlerts(sub.id, 1, false, T0 + 50);
    const due = await alerts.alertsDue(0);
    expect(due.map((d) => [d.subscriptionId, d.storyId])).toEqual([[sub.id, story!.id]]);
    const outbox = new OutboxRepo(store);
    const digestId = (await outbox.insertDigest({ subscriptionId: sub.id, windowKey: `alert:${story!.id}`, windowStart: T0, windowEnd: T0, model: '{}', status: 'pending', now: T0, kind: 'alert', storyId: story!.id }))!;
    expect(await alerts.insert(sub.id, story!.id, digestId, 3, T0)).toBe(true);
    expect(await alerts.insert(sub.id, story!.id, digestId, 3, T0)).toBe(false);
    expect(await alerts.alertsDue(0)).toEqual([]);
    // A subscriber on another topic only is not alerted.
    const subs = new SubscriptionRepo(store);
    await subs.insert({ platform: 'slack', chatId: 'C1', chatTitle: null, topics: ['another-topic'], schedule: 'off', timezone: 'UTC', maxStories: 5, nextDueAt: null, now: T0 });
    await subs.setAlerts((await subs.get('slack', 'C1'))!.id, 1, false, 0);
    expect(await alerts.alertsDue(0)).toEqual([]);
    const candidates = await new DigestStoryRepo(store).candidates(sub.id, ['patriot-ukraine'], 0, Date.parse('2030-01-01'));
    expect(candidates.map((c) => c.id)).toEqual([story!.id]);
    expect(candidates[0]).toMatchObject({ seenSources: null, alertedAt: null, sourceCount: story!.source_count });
    expect((await new DigestStoryRepo(store).members(story!.id)).length).toBe(3);
  });

  it('web and health reads', async () => {
    const web = new WebRepo(store);
    const [story] = await new StoryRepo(store).list({});
    expect(await web.countBetween('patriot-ukraine', 0, Date.parse('2030-01-01'))).toBe(1);
    expect((await web.storiesBetween('patriot-ukraine', 0, Date.parse('2030-01-01'), 10))[0]).toMatchObject({ id: story!.id, topicId: 'patriot-ukraine', articleCount: 3 });
    expect(await web.latestBefore('patriot-ukraine', Number.MAX_SAFE_INTEGER)).toBe(story!.last_published);
    expect(await web.earliestFrom('patriot-ukraine', Date.parse('2030-01-01'))).toBeNull();
    expect((await web.story(story!.id))!.mergedInto).toBeNull();
    expect((await web.members([story!.id])).length).toBe(3);
    expect((await web.changedLast('patriot-ukraine', 5)).map((s) => s.id)).toEqual([story!.id]);
    expect((await web.feedHealth(0)).length).toBe(3);
    expect((await web.subscriptions()).map((s) => s.platform).sort()).toEqual(['slack', 'telegram']);
    const health = new HealthQueries(store);
    expect(await health.quickCheck(store)).toBe('ok');
    expect((await health.articleBacklog()).count).toBeGreaterThan(400);
    expect((await health.digestBacklog()).count).toBe(1);
    expect(await health.deadDigests()).toBe(0);
    expect((await health.nextFeedPoll())!.feeds).toBeGreaterThan(0);
    expect((await health.nextDigest())!.platform).toBe('telegram');
  });

  it('rate slots: every taker gets its own slot, the slots a gap apart, shared by every connection', async () => {
    const slots = new RateSlotRepo(store);
    const taken = await Promise.all(Array.from({ length: 20 }, () => slots.take('send:telegram', T0, 36)));
    const sorted = [...taken].sort((x, y) => x - y);
    expect(new Set(taken).size).toBe(20);
    sorted.slice(1).forEach((t, i) => expect(t - sorted[i]!).toBe(36));
    expect(sorted[0]).toBe(T0);
    // A slot in the past is not saved up for a burst.
    expect(await slots.take('send:telegram', T0 + 60_000, 36)).toBe(T0 + 60_000);
  });

  it('retention: old processed articles go with their memberships; empty stories and old digests after them', async () => {
    const articles = new ArticleRepo(store);
    const ids = (await articles.listing({})).map((a) => a.id);
    await articles.markProcessed(ids, T0 + 100);
    const repo = new RetentionRepo(store);
    const old = await repo.articlesBefore(Date.parse('2030-01-01'), 10_000);
    expect(old.length).toBe(ids.length);
    expect(old.filter((a) => a.topics.includes('patriot-ukraine')).length).toBe(3);
    await store.transaction(async (tx) => new RetentionRepo(tx).deleteArticles(old.map((a) => a.id)));
    expect(await articles.count()).toBe(0);
    expect(await repo.deleteEmptyStoriesBefore(Date.parse('2030-01-01'), 100)).toBeGreaterThanOrEqual(2);
    expect(await new StoryRepo(store).list({})).toEqual([]);
    const m = new Map([['patriot', 2]]);
    await repo.forgetTerms(m, 2, new Map([['patriot-ukraine', { terms: new Map([['berlin', 2]]), docs: 2 }]]));
    const idf = await new IdfStore(store).load();
    expect([idf.docs, idf.docFreq('patriot'), idf.docFreq('kyiv')]).toEqual([1, 1, 1]);
    const topic = await new TopicDfStore(store).load('patriot-ukraine');
    expect([topic.docs, topic.docFreq('berlin')]).toEqual([0, 0]);
  });

  it('transactions: all or nothing, and a query on the store inside its own transaction fails at once instead of waiting forever', async () => {
    const feeds = new FeedRepo(store);
    const before = (await feeds.list()).length;
    await expect(
      store.transaction(async (tx) => {
        await new FeedRepo(tx).add('https://rolled-back.example/rss', 'user', T0);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await feeds.list()).length).toBe(before);
    await expect(store.transaction(async () => feeds.list())).rejects.toThrow(/inside a transaction/);
    // Nested: the inner transaction is the outer one.
    await store.transaction(async (tx) => tx.transaction(async (inner) => new FeedRepo(inner).add('https://nested.example/rss', 'user', T0)));
    expect((await feeds.list()).length).toBe(before + 1);
  });
});
