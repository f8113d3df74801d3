import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { StoryRepo } from '../src/db/stories.js';
import type { DigestStory } from '../src/digest/model.js';
import { renderText } from '../src/adapters/console/render.js';
import { renderSlack } from '../src/adapters/slack/render.js';
import { renderTelegram } from '../src/adapters/telegram/render.js';
import { summarise } from '../src/stories/summarise.js';
import { sqliteOf, testApp } from './helpers/app.js';
import { VirtualClock } from './helpers/delivery.js';

const T0 = Date.parse('2026-03-10T08:00:00Z');
const HOUR = 3_600_000;

interface Report {
  outlet: string;
  url: string;
  title: string;
  description: string;
  publishedAt: number;
}

/** The database as the pipeline leaves it: outlets' feeds, articles, stories with members and summaries. */
class Newsroom {
  private readonly repo: StoryRepo;
  private readonly topic: string;

  constructor(private readonly app: App) {
    this.repo = new StoryRepo(app.db);
    this.topic = app.config.topics[0]!.id;
  }

  async story(reports: Report[], now: number): Promise<number> {
    const [id] = await this.repo.reserveIds(1);
    await this.repo.create(id!, this.topic, reports[0]!.title, reports[0]!.publishedAt, now);
    await this.add(id!, reports, now);
    return id!;
  }

  /** Reports join a story at `now`; its counts and summary are redone as the pipeline does. */
  async add(storyId: number, reports: Report[], now: number): Promise<void> {
    for (const r of reports) await this.repo.addMembers([{ storyId, articleId: this.article(r, now), similarity: 0.8, reason: 'similar' }], now);
    await this.repo.refresh([storyId], now);
    const members = await this.repo.members(storyId);
    const s = summarise(members.map((m) => ({ title: m.title, description: m.description, body: m.content })), await this.app.pipeline.idf());
    await this.repo.setSummary(storyId, s.headline, s.text, now);
  }

  private article(r: Report, now: number): number {
    const db = sqliteOf(this.app);
    const feedUrl = `https://${r.outlet.toLowerCase().replace(/\W+/g, '-')}.example/rss`;
    db.prepare("INSERT INTO feeds (url, title, origin, created_at) VALUES (?, ?, 'user', ?) ON CONFLICT(url) DO NOTHING").run(feedUrl, r.outlet, now);
    const feedId = db.prepare('SELECT id FROM feeds WHERE url = ?').pluck().get(feedUrl);
    const info = db
      .prepare("INSERT INTO articles (feed_id, url, link, title, description, published_at, first_seen_at, updated_at, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'h')")
      .run(feedId, r.url, r.url, r.title, r.description, r.publishedAt, now, now);
    return Number(info.lastInsertRowid);
  }
}

describe('digests', () => {
  let vc: VirtualClock;
  let env: Awaited<ReturnType<typeof testApp>>;
  let news: Newsroom;
  let subId: number;
  beforeEach(async () => {
    vc = new VirtualClock(T0);
    env = await testApp({}, vc.clock);
    news = new Newsroom(env.app);
    subId = (await env.app.delivery.subscriptions.subscribe('console', 'stdout')).subscription.id;
  });
  afterEach(() => env.cleanup());

  const digestNow = async () => (await env.app.delivery.outbox.createNow(subId))!.digest;
  const storyIn = (stories: DigestStory[], id: number) => stories.find((s) => s.id === id)!;

  describe('source links', () => {
    it('links every outlet to its own article of that story, the headline’s outlet first', async () => {
      const japan = await news.story(
        [
          { outlet: 'Alpha News', url: 'https://alpha.example/japan-patriots', title: 'Japan weighs Patriot exports', description: 'Japan is weighing an export of Patriot missiles to the United States, officials in Tokyo said on Monday.', publishedAt: T0 - 6 * HOUR },
          { outlet: 'Beta Wire', url: 'https://beta.example/japan-transfer', title: 'Japan to transfer Patriot missiles to US', description: 'Japan will transfer Patriot missiles to the United States to refill stocks drained by aid to Ukraine, the government said.', publishedAt: T0 - 5 * HOUR },
          { outlet: 'Gamma Times', url: 'https://gamma.example/patriot-japan', title: 'Japan to transfer Patriot missiles to US', description: 'Japan will transfer Patriot missiles to the United States, the Gamma Times has learned from two officials.', publishedAt: T0 - 4 * HOUR },
          { outlet: 'Alpha News', url: 'https://alpha.example/japan-patriots-2', title: 'White House welcomes Japan Patriot decision', description: 'The White House welcomed the decision and said it would help Washington keep supplying Kyiv this winter.', publishedAt: T0 - 3 * HOUR },
        ],
        T0 - 2 * HOUR,
      );
      const germany = await news.story(
        [
          { outlet: 'Delta Post', url: 'https://delta.example/iris-t', title: 'Germany delivers another IRIS-T system to Ukraine', description: 'Germany handed Ukraine another IRIS-T air defence system on Tuesday, the defence ministry in Berlin said.', publishedAt: T0 - 6 * HOUR },
          { outlet: 'Alpha News', url: 'https://alpha.example/germany-iris-t', title: 'Berlin sends IRIS-T battery to Kyiv', description: 'Berlin sent a further IRIS-T battery to Kyiv, bringing the number it has delivered to eight.', publishedAt: T0 - 5 * HOUR },
        ],
        T0 - 2 * HOUR,
      );
      const d = await digestNow();
      const j = storyIn(d.stories, japan);
      expect(j.headline).toBe('Japan to transfer Patriot missiles to US');
      // The headline's report (Beta Wire's, published first under that title) leads; then by time.
      expect(j.sources).toEqual([
        { name: 'Beta Wire', url: 'https://beta.example/japan-transfer' },
        { name: 'Alpha News', url: 'https://alpha.example/japan-patriots' },
        { name: 'Gamma Times', url: 'https://gamma.example/patriot-japan' },
      ]);
      expect(storyIn(d.stories, germany).sources.find((s) => s.name === 'Alpha News')!.url).toBe('https://alpha.example/germany-iris-t');
      // What the subscriber reads carries the same links.
      const text = renderText(d);
      expect(text).toContain('- Alpha News: https://alpha.example/japan-patriots\n');
      expect(text).toContain('- Alpha News: https://alpha.example/germany-iris-t\n');
    });
  });

  describe('updates', () => {
    const first: Report[] = [
      { outlet: 'Beta Wire', url: 'https://beta.example/japan-transfer', title: 'Japan to transfer Patriot missiles to US', description: 'Japan will transfer Patriot missiles to the United States to refill stocks drained by aid to Ukraine, the government said on Friday. The first batch of about twenty interceptors is due to leave Japan in March, a defence official said.', publishedAt: T0 - 5 * HOUR },
      { outlet: 'Gamma Times', url: 'https://gamma.example/patriot-japan', title: 'Tokyo agrees to sell Patriot interceptors to Washington', description: 'Tokyo agreed on Friday to sell Patriot interceptors to Washington, which has sent many of its own to Ukraine.', publishedAt: T0 - 4 * HOUR },
    ];
    /** A summary's first sentence. */
    const lead = (s: DigestStory) => s.summary.split(/(?<=\.) /)[0]!;
    const WARNING = 'Russia summoned the Japanese ambassador in Moscow and warned of serious consequences if the missiles reach Ukraine.';

    it('says what is new ("Now also: … (+2 sources)") instead of the summary read before', async () => {
      const id = await news.story(first, T0 - 2 * HOUR);
      const before = storyIn((await digestNow()).stories, id);
      expect(before.isUpdate).toBe(false);
      expect(before.summary).toContain('Japan will transfer Patriot missiles');

      vc.now = T0 + 3 * HOUR;
      await news.add(id, [
        { outlet: 'Delta Post', url: 'https://delta.example/russia-warns', title: 'Russia warns Japan over Patriot missiles', description: `${WARNING} Japan will sell Patriot missiles to the United States, the Kremlin noted.`, publishedAt: T0 + 1 * HOUR },
        { outlet: 'Epsilon Daily', url: 'https://epsilon.example/japan-patriot', title: 'Japan to transfer Patriot missiles to US', description: 'Japan will transfer Patriot missiles to the United States, officials in Tokyo said.', publishedAt: T0 + 2 * HOUR },
      ], vc.now);
      vc.now += HOUR;
      const d = await digestNow();
      const after = storyIn(d.stories, id);
      expect(after).toMatchObject({ isUpdate: true, newSources: 2, update: WARNING });
      // The new outlets first: they are the news.
      expect(after.sources.map((s) => s.name)).toEqual(['Delta Post', 'Epsilon Daily', 'Beta Wire', 'Gamma Times']);

      const text = renderText(d);
      expect(text).toContain(`Now also: ${WARNING} (+2 sources)`);
      expect(text).toContain('[update]');
      for (const old of before.summary.split(/(?<=\.) /)) expect(text).not.toContain(old);
      expect(renderTelegram(d).join('\n')).toContain(`Now also: ${WARNING} (+2 sources)`);
      expect(JSON.stringify(renderSlack(d))).toContain(`Now also: ${WARNING} (+2 sources)`);
    });

    it('shows only the badge and the new outlets first when the new reports add nothing', async () => {
      const id = await news.story(first, T0 - 2 * HOUR);
      await digestNow();
      vc.now = T0 + 3 * HOUR;
      await news.add(id, [{ outlet: 'Epsilon Daily', url: 'https://epsilon.example/japan-patriot', title: 'Japan to provide US with Patriot missiles', description: 'Japan will provide the United States with Patriot missiles from its own stocks, the defence ministry said.', publishedAt: T0 + 2 * HOUR }], vc.now);
      vc.now += HOUR;
      const d = await digestNow();
      const after = storyIn(d.stories, id);
      expect(after.update).toBeUndefined();
      const text = renderText(d);
      expect(text).toContain(`${after.headline} [update: +1 source]\n   - Epsilon Daily: https://epsilon.example/japan-patriot\n   - Beta Wire:`);
      expect(text).not.toContain('Now also');
      expect(text).not.toContain(lead(after));
    });
  });
});
