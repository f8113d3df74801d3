import type { DB } from '../../src/db/store.js';
import { StoryRepo } from '../../src/db/stories.js';
import { FeedRepo } from '../../src/db/feeds.js';
import { ArticleRepo } from '../../src/db/articles.js';

let seq = 0;

/**
 * Grows stories one outlet at a time, as the pipeline leaves them: an article of the outlet's own
 * feed joins the story and the story's counts are recomputed by the story repository itself.
 * Alerts read only what the pipeline writes (stories, story_articles, articles, feeds).
 */
export class StoryGrower {
  private readonly stories: StoryRepo;

  constructor(
    private readonly db: DB,
    private readonly clock: () => number,
    private readonly topic = 'patriot-ukraine',
  ) {
    this.stories = new StoryRepo(db);
  }

  /** A new story with its first report by `outlet`. */
  async create(title: string, summary: string, outlet: string): Promise<number> {
    const now = this.clock();
    const [id] = await this.stories.reserveIds(1);
    await this.stories.create(id!, this.topic, title, now, now);
    await this.stories.setSummary(id!, title, summary, now);
    await this.report(id!, outlet, title);
    return id!;
  }

  /** `outlet` reports the story now. */
  async report(storyId: number, outlet: string, title?: string): Promise<void> {
    const now = this.clock();
    const slug = /^[\w .-]+$/.test(outlet) ? outlet.toLowerCase().replace(/[^a-z0-9]+/g, '-') : Buffer.from(outlet).toString('hex');
    const feedUrl = `https://${slug}.example/feed`;
    const feed = await new FeedRepo(this.db).add(feedUrl, 'user', now, outlet);
    const url = `https://${slug}.example/news/${++seq}`;
    const story = (await this.stories.get(storyId))!;
    const { id } = (await new ArticleRepo(this.db).upsertMany(
      feed.feed.id,
      [{ guid: null, url, link: url, title: title ?? story.title, description: story.summary, content: '', author: null, source: null, publishedAt: now, contentHash: `h${seq}` }],
      now,
    ))[0]!;
    await new ArticleRepo(this.db).markProcessed([id], now);
    await this.stories.addMembers([{ storyId, articleId: id, similarity: 0.9, reason: 'test' }], now);
    await this.stories.refresh([storyId], now);
    // The summary stays as written: refresh only marks it for the summariser, which is not run here.
    await this.stories.setSummary(storyId, story.title, story.summary, now);
  }
}
