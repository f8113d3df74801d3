import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store, type DB } from '../src/db/store.js';
import { FeedRepo } from '../src/db/feeds.js';
import { ArticleRepo } from '../src/db/articles.js';
import { StoryRepo } from '../src/db/stories.js';
import { normaliseItem } from '../src/ingest/normalise.js';
import { IdfModel } from '../src/stories/idf.js';
import { StoryService, type StoryArticle } from '../src/stories/service.js';
import { testApp } from './helpers/app.js';

/**
 * The story grouper is kept between runs (src/stories/service.ts): these check that it never
 * places an article by what the database no longer holds.
 */
const T0 = Date.UTC(2026, 2, 2, 9);
const DAY = 86_400_000;

describe('the story grouper kept between runs', () => {
  let cleanup = async () => {};
  afterEach(() => cleanup());

  async function setup() {
    const env = await testApp({}, () => T0 + DAY);
    cleanup = env.cleanup;
    const { app } = env;
    const { feed } = await new FeedRepo(app.db).add('https://wire.example/rss', 'user', T0);
    const articles = new ArticleRepo(app.db);
    let n = 0;
    const article = async (title: string, description: string, at: number): Promise<StoryArticle> => {
      const item = normaliseItem({ title, link: `https://wire.example/${++n}`, guid: `g${n}`, isoDate: new Date(at).toISOString(), description }, feed.url, T0 + DAY)!;
      const { id } = await articles.upsert(feed.id, item, T0 + DAY);
      return { id, title, description, body: '', publishedAt: at, source: `Outlet ${n}` };
    };
    const service = new StoryService(app.db, new IdfModel(), app.config.topics, { windowMs: 7 * DAY, threads: { threshold: 0.25, mergeThreshold: 0.19 } }, () => T0 + DAY);
    const topic = app.config.topics[0]!.id;
    // As the pipeline does: new articles teach the term statistics, then are grouped, inside a
    // write transaction (its own, or the one given).
    const place = (list: StoryArticle[], tx?: DB) => {
      service.learn(list);
      return tx ? service.assign(tx, topic, list) : app.db.transaction((t) => service.assign(t, topic, list), { grouper: true });
    };
    return { app, article, place, stories: new StoryRepo(app.db), topic };
  }

  const PLEDGE = ['Germany pledges another Patriot system to Ukraine', 'Berlin will hand Kyiv a further Patriot air-defence system and 100 interceptors, the defence minister said.'] as const;
  const STRIKE = ['Russian drones hit Odesa port overnight', 'A drone attack damaged grain silos in the Odesa port overnight, the regional governor said; 20 drones were shot down.'] as const;

  it('rebuilds when another connection changed the stories', async () => {
    const { app, article, place, stories, topic } = await setup();
    const first = await article(...PLEDGE, T0);
    await place([first]);
    const story = (await stories.storyOf(first.id, topic))!;
    expect(story).toBeDefined();
    await place([await article(...STRIKE, T0 + 1_800_000)]);
    // Another process (a CLI, a second worker) removes the first story and its membership.
    const other = Store.openSqlite(path.join(path.dirname(app.config.database), 'test.db'));
    expect(other.sqlite).not.toBe(app.db.sqlite);
    await other.k.deleteFrom('stories').where('id', '=', story).execute();
    await other.close();
    // A copy of the removed story's report: the kept grouper would add it to the removed story.
    const copy = await article(...PLEDGE, T0 + 3_600_000);
    await expect(place([copy])).resolves.toBeDefined();
    expect(await stories.memberIds((await stories.storyOf(copy.id, topic))!)).toEqual([copy.id]);
  });

  it('forgets what a rolled-back transaction wrote', async () => {
    const { app, article, place, stories, topic } = await setup();
    await place([await article(...PLEDGE, T0)]);
    const lost = await article(...STRIKE, T0 + 3_600_000);
    // The assignment succeeds, then a later step of the same transaction fails: all of it is undone.
    let placedInside: number | undefined;
    await expect(
      app.db.transaction(
        async (tx) => {
          await place([lost], tx);
          placedInside = await new StoryRepo(tx).storyOf(lost.id, topic);
          throw new Error('a later step failed');
        },
        { grouper: true },
      ),
    ).rejects.toThrow('a later step failed');
    // (It was placed inside the transaction: what is checked below is the rollback.)
    expect(placedInside).toBeDefined();
    expect(await stories.storyOf(lost.id, topic)).toBeUndefined();
    expect(await stories.storiesOfArticle(lost.id)).toEqual([]);
    // A report of the same event: the kept grouper would put it in the story that was rolled back.
    const again = await article(...STRIKE, T0 + 7_200_000);
    await expect(place([lost, again])).resolves.toBeDefined();
    const placed = (await stories.storyOf(again.id, topic))!;
    expect((await stories.memberIds(placed)).sort()).toEqual([lost.id, again.id].sort());
  });

  it('a report in a later run joins the story of an earlier run', async () => {
    const { article, place, stories, topic } = await setup();
    const first = await article(...PLEDGE, T0);
    await place([first]);
    const copy = await article(...PLEDGE, T0 + 3_600_000);
    await place([copy]);
    const joined = await stories.storyOf(copy.id, topic);
    expect(joined).toBeDefined();
    expect(joined).toBe(await stories.storyOf(first.id, topic));
  });
});
