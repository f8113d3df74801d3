import type { DB } from './open.js';
import { prepared } from './statements.js';

/** What /healthz and /metrics read from the database: backlogs and their ages. */
export class HealthQueries {
  constructor(private readonly db: DB) {}

  /** `PRAGMA quick_check`: 'ok', or the first problems found. */
  quickCheck(): string {
    const rows = this.db.pragma('quick_check(5)', { simple: false }) as { quick_check: string }[];
    return rows.map((r) => r.quick_check).join('; ');
  }

  /** Digests built and not delivered yet (pending or being sent), and when the oldest was built. */
  digestBacklog(): { count: number; oldestCreatedAt: number | null } {
    const r = prepared(this.db, "SELECT count(*) AS count, min(created_at) AS oldest FROM digests WHERE status IN ('pending', 'sending')").get() as { count: number; oldest: number | null };
    return { count: r.count, oldestCreatedAt: r.oldest };
  }

  /** Digests given up after retrying for delivery.retryFor (`outbox resend` queues them again). */
  deadDigests(): number {
    return prepared(this.db, "SELECT count(*) FROM digests WHERE status = 'dead'").pluck().get() as number;
  }

  /** Articles stored and not processed yet, and when the oldest of them was first seen. */
  articleBacklog(): { count: number; oldestSeenAt: number | null } {
    const count = prepared(this.db, 'SELECT count(*) FROM articles WHERE processed_at IS NULL').pluck().get() as number;
    const oldest = (prepared(this.db, 'SELECT first_seen_at FROM articles WHERE processed_at IS NULL ORDER BY id LIMIT 1').pluck().get() as number | undefined) ?? null;
    return { count, oldestSeenAt: oldest };
  }

  /** When the next feed poll is due (active feeds), and how many feeds are due by then. */
  nextFeedPoll(): { at: number; feeds: number } | undefined {
    const at = this.db.prepare('SELECT min(next_poll_at) FROM feeds WHERE disabled_at IS NULL').pluck().get() as number | null;
    if (at === null) return undefined;
    return { at, feeds: this.db.prepare('SELECT count(*) FROM feeds WHERE disabled_at IS NULL AND next_poll_at <= ?').pluck().get(at) as number };
  }

  /** The next digest any subscription is due, in the subscriber's zone. */
  nextDigest(): { at: number; timezone: string; platform: string; chatId: string } | undefined {
    return this.db
      .prepare('SELECT next_due_at AS at, timezone, platform, chat_id AS chatId FROM subscriptions WHERE active = 1 AND next_due_at IS NOT NULL ORDER BY next_due_at LIMIT 1')
      .get() as { at: number; timezone: string; platform: string; chatId: string } | undefined;
  }

  /** A read that reaches the file (not only the page cache of this connection's schema). */
  ping(): void {
    prepared(this.db, 'SELECT count(*) FROM schema_migrations').get();
  }
}
