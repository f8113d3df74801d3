import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open.js';
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
  let cleanup = () => {};
  afterEach(() => cleanup());

  function setup() {
    const env = testApp({}, () => T0 + DAY);
    cleanup = env.cleanup;
    const { app } = env;
    const feed = new FeedRepo(app.db).add('https://wire.example/rss', 'user', T0).feed;
    const articles = new ArticleRepo(app.db);
    let n = 0;
    const article = (title: string, description: string, at: number): StoryArticle => {
      const item = normaliseItem({ title, link: `https://wire.example/${++n}`, guid: `g${n}`, isoDate: new Date(at).toISOString(), description }, feed.url, T0 + DAY)!;
      const { id } = articles.upsert(feed.id, item, T0 + DAY);
      return { id, title, description, body: '', publishedAt: at, source: `Outlet ${n}` };
    };
    const service = new StoryService(app.db, new IdfModel(), app.config.topics, { windowMs: 7 * DAY, threads: { threshold: 0.25, mergeThreshold: 0.19 } }, () => T0 + DAY);
    const topic = app.config.topics[0]!.id;
    // As the pipeline does: new articles teach the term statistics, then are grouped.
    const place = (list: StoryArticle[]) => {
      service.learn(list);
      return service.assign(topic, list);
    };
    return { app, article, place, stories: new StoryRepo(app.db), topic };
  }

  const PLEDGE = ['Germany pledges another Patriot system to Ukraine', 'Berlin will hand Kyiv a further Patriot air-defence system and 100 interceptors, the defence minister said.'] as const;
  const STRIKE = ['Russian drones hit Odesa port overnight', 'A drone attack damaged grain silos in the Odesa port overnight, the regional governor said; 20 drones were shot down.'] as const;

  it('rebuilds when another connection changed the stories', () => {
    const { app, article, place, stories, topic } = setup();
    const first = article(...PLEDGE, T0);
    place([first]);
    const story = stories.storyOf(first.id, topic)!;
    place([article(...STRIKE, T0 + 1_800_000)]);
    // Another process (a CLI, a second worker) removes the first story and its membership.
    const other = openDatabase(path.join(path.dirname(app.config.database), 'test.db'));
    other.prepare('DELETE FROM stories WHERE id = ?').run(story);
    other.close();
    // A copy of the removed story's report: the kept grouper would add it to the removed story.
    const copy = article(...PLEDGE, T0 + 3_600_000);
    expect(() => place([copy])).not.toThrow();
    expect(stories.memberIds(stories.storyOf(copy.id, topic)!)).toEqual([copy.id]);
  });

  it('forgets what a rolled-back transaction wrote', () => {
    const { app, article, place, stories, topic } = setup();
    place([article(...PLEDGE, T0)]);
    const lost = article(...STRIKE, T0 + 3_600_000);
    // The assignment succeeds, then a later step of the same transaction fails: all of it is undone.
    expect(() =>
      app.db.transaction(() => {
        place([lost]);
        throw new Error('a later step failed');
      })(),
    ).toThrow('a later step failed');
    expect(stories.storyOf(lost.id, topic)).toBeUndefined();
    expect(stories.storiesOfArticle(lost.id)).toEqual([]);
    // A report of the same event: the kept grouper would put it in the story that was rolled back.
    const again = article(...STRIKE, T0 + 7_200_000);
    expect(() => place([lost, again])).not.toThrow();
    const placed = stories.storyOf(again.id, topic)!;
    expect(stories.memberIds(placed).sort()).toEqual([lost.id, again.id].sort());
  });

  it('a report in a later run joins the story of an earlier run', () => {
    const { article, place, stories, topic } = setup();
    const first = article(...PLEDGE, T0);
    place([first]);
    const copy = article(...PLEDGE, T0 + 3_600_000);
    place([copy]);
    expect(stories.storyOf(copy.id, topic)).toBe(stories.storyOf(first.id, topic));
  });
});
