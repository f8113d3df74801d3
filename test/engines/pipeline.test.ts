import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { TelegramAdapter } from '../../src/adapters/telegram/bot.js';
import { loadConfig } from '../../src/config/load.js';
import { OutboxRepo } from '../../src/db/outbox.js';
import { StoryRepo } from '../../src/db/stories.js';
import { clusterScores } from '../../src/eval/metrics.js';
import { silentLogger } from '../../src/logger.js';
import { AGGREGATOR_COPY, PATRIOT_WEEK, type WeekItem } from '../fixtures/patriot-week.js';
import { tempDir, writeConfig } from '../helpers/app.js';
import { describeEngines, freshTarget } from '../helpers/engines.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { FeedServer, rss } from '../helpers/feed-server.js';

/**
 * The whole data flow on each engine: a week of same-topic news from six outlets polled over
 * local HTTP into a fresh database (topics, term statistics, stories, summaries), a second poll
 * that grows one story and opens another, then a subscriber's digest sent to a local Bot API.
 */
describeEngines('pipeline', (engine) => {
  const items: WeekItem[] = [...PATRIOT_WEEK, AGGREGATOR_COPY];
  const later: WeekItem[] = [
    { outlet: 'Gamma Post', event: 'spain-deal', date: '2026-03-05T18:00:00Z', title: 'Madrid confirms Patriot missile transfer to Kyiv', description: 'Spanish Defence Minister Margarita Robles confirmed the agreement to send Patriot missiles from Spanish army stocks to Ukraine.' },
    { outlet: 'Delta Times', event: 'romania-battery', date: '2026-03-06T15:00:00Z', title: 'Romania agrees to give Ukraine its second Patriot battery', description: 'Bucharest’s Supreme Defence Council approved the transfer of one Patriot battery to Ukraine, President Klaus Iohannis said.' },
  ];
  const outlets = [...new Set([...items, ...later].map((i) => i.outlet))];
  const link = (i: WeekItem) => `http://news.example/${[...items, ...later].indexOf(i)}`;
  let server: FeedServer;
  let fake: FakeTelegram;
  let app: App;
  let cleanups: (() => Promise<void> | void)[] = [];
  let now = Date.parse('2026-03-07T12:00:00Z');

  const serve = (list: WeekItem[]) => {
    for (const outlet of outlets) {
      const own = list.filter((i) => i.outlet === outlet);
      server.route(`/${outlets.indexOf(outlet)}.xml`, { body: rss(outlet, own.map((i) => ({ title: i.title, link: link(i), guid: link(i), date: new Date(i.date).toUTCString(), description: i.description }))) });
    }
  };

  /** Every story's members as (story, event) pairs: what the grouping is scored on. */
  const partition = async (all: WeekItem[]) => {
    const repo = new StoryRepo(app.db);
    const eventOf = new Map(all.map((i) => [link(i), i.event]));
    const predicted: number[] = [];
    const truth: string[] = [];
    for (const s of await repo.list()) {
      for (const m of await repo.members(s.id)) {
        predicted.push(s.id);
        truth.push(eventOf.get(m.url)!);
      }
    }
    return { predicted, truth, stories: (await repo.list()).length };
  };

  beforeAll(async () => {
    server = await new FeedServer().start();
    fake = await new FakeTelegram().start();
    const tmp = tempDir('nd-pipeline-');
    const target = await freshTarget(engine);
    cleanups = [() => server.stop(), () => fake.stop(), tmp.cleanup, target.cleanup];
    serve(items);
    const config = writeConfig(tmp.dir, { feeds: outlets.map((o, n) => ({ url: server.url(`/${n}.xml`), title: o })) });
    app = await createApp(loadConfig(config, {}), silentLogger, { dbPath: target.target, clock: () => now });
    cleanups.unshift(() => app.close());
  });
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it('a cold start keeps the week\'s events apart and joins every outlet\'s report of each', async () => {
    const report = await app.pipeline.poll();
    expect(report).toMatchObject({ failedFeeds: 0, newArticles: items.length, processedArticles: items.length, relevantArticles: items.length, pendingArticles: 0 });
    const { predicted, truth, stories } = await partition(items);
    expect(truth).toHaveLength(items.length);
    const scores = clusterScores(predicted, truth);
    expect(scores.bcubedPrecision).toBe(1);
    expect(scores.bcubedRecall).toBe(1);
    expect(stories).toBe(new Set(items.map((i) => i.event)).size);
    // Every story summarised; nothing left marked.
    const repo = new StoryRepo(app.db);
    expect(await repo.needingSummary(100)).toEqual([]);
    for (const s of await repo.list()) expect(s.summary.length).toBeGreaterThan(20);
    // Polled again: nothing new, nothing changed.
    expect(await app.pipeline.poll()).toMatchObject({ newArticles: 0, processedArticles: 0, newStories: 0, updatedStories: 0 });
  });

  it('a later poll joins a new report to its story and opens a story for a new event', async () => {
    const repo = new StoryRepo(app.db);
    const spain = (await repo.list()).find((s) => /spain|robles|madrid/i.test(s.title))!;
    const before = spain.article_count;
    serve([...items, ...later]);
    now = Date.parse('2026-03-07T13:00:00Z');
    const report = await app.pipeline.poll();
    expect(report).toMatchObject({ newArticles: 2, processedArticles: 2, newStories: 1, updatedStories: 1, pendingArticles: 0 });
    expect((await repo.get(spain.id))!.article_count).toBe(before + 1);
    const scores = clusterScores(...Object.values(await partition([...items, ...later])).slice(0, 2) as [number[], string[]]);
    expect([scores.bcubedPrecision, scores.bcubedRecall]).toEqual([1, 1]);
  });

  it('a subscriber\'s digest goes to the chat once, each outlet linked to its own article', async () => {
    const tg = new TelegramAdapter({ token: '123:TEST', apiRoot: fake.apiRoot }, app.delivery.subscriptions, app.delivery, silentLogger);
    app.delivery.register(tg);
    const { subscription } = await app.delivery.subscriptions.subscribe('telegram', '777', undefined, 'Readers');
    const result = await app.delivery.digestNow(subscription.id);
    expect(result.sent).toBe(true);
    expect(result.stories).toBeGreaterThanOrEqual(7);
    const text = fake.messagesTo('777').map((m) => m.text).join('\n');
    // Each link of the Dutch story points at that outlet's own report of it.
    for (const i of items.filter((x) => x.event === 'dutch-pac3')) expect(text).toContain(link(i));
    expect(await new OutboxRepo(app.db).undelivered()).toEqual([]);
    // Nothing new since: the next digest is empty and nothing is sent.
    const again = await app.delivery.digestNow(subscription.id);
    expect(again).toEqual({ stories: 0, sent: false });
    expect(fake.messagesTo('777').length).toBe(fake.sent.filter((m) => m.chat_id === '777').length);
  });
});
