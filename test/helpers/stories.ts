import type { DB } from '../../src/db/open.js';
import { StoryRepo } from '../../src/db/stories.js';

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
  create(title: string, summary: string, outlet: string): number {
    const now = this.clock();
    const id = this.stories.create(this.topic, title, now, now);
    this.stories.setSummary(id, title, summary, now);
    this.report(id, outlet, title);
    return id;
  }

  /** `outlet` reports the story now. */
  report(storyId: number, outlet: string, title?: string): void {
    const now = this.clock();
    const slug = /^[\w .-]+$/.test(outlet) ? outlet.toLowerCase().replace(/[^a-z0-9]+/g, '-') : Buffer.from(outlet).toString('hex');
    this.db.prepare("INSERT INTO feeds (url, title, origin, created_at) VALUES (?, ?, 'user', ?) ON CONFLICT(url) DO NOTHING").run(`https://${slug}.example/feed`, outlet, now);
    const feedId = this.db.prepare('SELECT id FROM feeds WHERE url = ?').pluck().get(`https://${slug}.example/feed`) as number;
    const url = `https://${slug}.example/news/${++seq}`;
    const story = this.stories.get(storyId)!;
    const info = this.db
      .prepare(`INSERT INTO articles (feed_id, url, link, title, description, published_at, first_seen_at, updated_at, content_hash, processed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(feedId, url, url, title ?? story.title, story.summary, now, now, now, `h${seq}`, now);
    this.stories.addMember(storyId, Number(info.lastInsertRowid), 0.9, 'test', now);
    this.stories.refresh(storyId, now);
    // The summary stays as written: refresh only marks it for the summariser, which is not run here.
    this.stories.setSummary(storyId, story.title, story.summary, now);
  }
}
