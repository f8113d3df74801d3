import type { DB } from './open.js';

export interface FeedRow {
  id: number;
  url: string;
  title: string | null;
  origin: 'config' | 'user' | 'opml';
  interval_ms: number | null;
  etag: string | null;
  last_modified: string | null;
  last_status: string | null;
  last_error: string | null;
  error_count: number;
  last_polled_at: number | null;
  last_ok_at: number | null;
  next_poll_at: number;
  created_at: number;
  /** Items of the last answer that could not be read (skipped, the rest stored), and why. */
  last_skipped: number;
  last_skip_reason: string | null;
  /** Set when the feed was taken out of the config: not polled any more. */
  disabled_at: number | null;
}

/** The feeds table: what to poll, when, and how the last poll went. */
export class FeedRepo {
  constructor(private readonly db: DB) {}

  /**
   * The config is the source of truth for its feeds, applied when the bot polls (run, poll):
   * its feeds are upserted (and enabled again), config feeds no longer in it are disabled, their
   * history kept. Returns the URLs disabled now.
   */
  seed(feeds: { url: string; title?: string; interval?: number }[], now: number): string[] {
    const upsert = this.db.prepare(`INSERT INTO feeds (url, title, origin, interval_ms, created_at)
      VALUES (@url, @title, 'config', @interval, @now)
      ON CONFLICT(url) DO UPDATE SET title = coalesce(excluded.title, feeds.title), interval_ms = excluded.interval_ms, origin = 'config', disabled_at = NULL`);
    return this.db.transaction(() => {
      for (const f of feeds) upsert.run({ url: f.url, title: f.title ?? null, interval: f.interval ?? null, now });
      return this.db
        .prepare(`UPDATE feeds SET disabled_at = ? WHERE origin = 'config' AND disabled_at IS NULL AND url NOT IN (SELECT value FROM json_each(?)) RETURNING url`)
        .pluck()
        .all(now, JSON.stringify(feeds.map((f) => f.url))) as string[];
    })();
  }

  add(url: string, origin: 'user' | 'opml', now: number, title?: string): { feed: FeedRow; created: boolean } {
    const info = this.db
      .prepare(`INSERT INTO feeds (url, title, origin, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(url) DO NOTHING`)
      .run(url, title ?? null, origin, now);
    return { feed: this.byUrl(url)!, created: info.changes > 0 };
  }

  remove(url: string): boolean {
    return this.db.prepare('DELETE FROM feeds WHERE url = ?').run(url).changes > 0;
  }

  byUrl(url: string): FeedRow | undefined {
    return this.db.prepare('SELECT * FROM feeds WHERE url = ?').get(url) as FeedRow | undefined;
  }

  byId(id: number): FeedRow | undefined {
    return this.db.prepare('SELECT * FROM feeds WHERE id = ?').get(id) as FeedRow | undefined;
  }

  /** Every feed, disabled ones included (what `feeds list` shows). */
  list(): FeedRow[] {
    return this.db.prepare('SELECT * FROM feeds ORDER BY id').all() as FeedRow[];
  }

  /** The feeds that are polled. */
  active(): FeedRow[] {
    return this.db.prepare('SELECT * FROM feeds WHERE disabled_at IS NULL ORDER BY id').all() as FeedRow[];
  }

  due(now: number): FeedRow[] {
    return this.db.prepare('SELECT * FROM feeds WHERE next_poll_at <= ? AND disabled_at IS NULL ORDER BY next_poll_at, id').all(now) as FeedRow[];
  }

  /** A poll that worked. `skipped` (items not read) is kept from the last answer when not given (a 304). */
  recordSuccess(id: number, r: { status: 'ok' | 'not-modified'; etag?: string | null; lastModified?: string | null; title?: string; now: number; nextPollAt: number; skipped?: { count: number; reason: string | null } }): void {
    this.db
      .prepare(`UPDATE feeds SET last_status = @status, last_error = NULL, error_count = 0, last_polled_at = @now, last_ok_at = @now,
        next_poll_at = @next, etag = coalesce(@etag, etag), last_modified = coalesce(@lastModified, last_modified),
        title = coalesce(title, @title),
        last_skipped = coalesce(@skipped, last_skipped), last_skip_reason = CASE WHEN @skipped IS NULL THEN last_skip_reason ELSE @skipReason END
        WHERE id = @id`)
      .run({ id, status: r.status, now: r.now, next: r.nextPollAt, etag: r.etag ?? null, lastModified: r.lastModified ?? null, title: r.title ?? null, skipped: r.skipped?.count ?? null, skipReason: r.skipped?.reason ?? null });
  }

  recordFailure(id: number, r: { kind: string; message: string; now: number; nextPollAt: number }): void {
    this.db
      .prepare(`UPDATE feeds SET last_status = @kind, last_error = @message, error_count = error_count + 1, last_polled_at = @now,
        next_poll_at = @next WHERE id = @id`)
      .run({ id, kind: r.kind, message: r.message, now: r.now, next: r.nextPollAt });
  }

  /** The failing feeds, most failures first (for /healthz). */
  failing(limit: number): FeedRow[] {
    return this.db.prepare('SELECT * FROM feeds WHERE error_count > 0 ORDER BY error_count DESC, id LIMIT ?').all(limit) as FeedRow[];
  }

  failingCount(): number {
    return this.db.prepare('SELECT count(*) FROM feeds WHERE error_count > 0').pluck().get() as number;
  }

  lastPollAt(): number | null {
    return (this.db.prepare('SELECT max(last_polled_at) FROM feeds').pluck().get() as number | null) ?? null;
  }
}
