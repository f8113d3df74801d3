import { sql } from 'kysely';
import type { DB, Store } from './store.js';

/** What /healthz and /metrics read from the database: backlogs and their ages. */
export class HealthQueries {
  constructor(private readonly db: DB) {}

  /**
   * SQLite: `PRAGMA quick_check`, 'ok' or the first problems found. PostgreSQL checks its own
   * pages (checksums, WAL); a query that answers is what is asked of it here.
   */
  async quickCheck(store: Store): Promise<string> {
    if (store.engine === 'sqlite') {
      const r = await sql<{ quick_check: string }>`PRAGMA quick_check(5)`.execute(this.db.k);
      return r.rows.map((x) => x.quick_check).join('; ');
    }
    await this.ping();
    return 'ok';
  }

  /** Digests built and not delivered yet (pending or being sent), and when the oldest was built. */
  async digestBacklog(): Promise<{ count: number; oldestCreatedAt: number | null }> {
    const r = await this.db.k
      .selectFrom('digests')
      .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('created_at').as('oldest')])
      .where('status', 'in', ['pending', 'sending'])
      .executeTakeFirstOrThrow();
    return { count: Number(r.count), oldestCreatedAt: r.oldest ?? null };
  }

  /** Digests given up after retrying for delivery.retryFor (`outbox resend` queues them again). */
  async deadDigests(): Promise<number> {
    const r = await this.db.k.selectFrom('digests').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'dead').executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Articles stored and not processed yet, and when the oldest of them was first seen. */
  async articleBacklog(): Promise<{ count: number; oldestSeenAt: number | null }> {
    const c = await this.db.k.selectFrom('articles').select((eb) => eb.fn.countAll<number>().as('n')).where('processed_at', 'is', null).executeTakeFirstOrThrow();
    const oldest = await this.db.k.selectFrom('articles').select('first_seen_at').where('processed_at', 'is', null).orderBy('id').limit(1).executeTakeFirst();
    return { count: Number(c.n), oldestSeenAt: oldest?.first_seen_at ?? null };
  }

  /** When the next feed poll is due (active feeds), and how many feeds are due by then. */
  async nextFeedPoll(): Promise<{ at: number; feeds: number } | undefined> {
    const r = await this.db.k.selectFrom('feeds').select((eb) => eb.fn.min('next_poll_at').as('at')).where('disabled_at', 'is', null).executeTakeFirst();
    const at = r?.at ?? null;
    if (at === null) return undefined;
    const n = await this.db.k
      .selectFrom('feeds')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('disabled_at', 'is', null)
      .where('next_poll_at', '<=', at)
      .executeTakeFirstOrThrow();
    return { at, feeds: Number(n.n) };
  }

  /** The next digest any subscription is due, in the subscriber's zone. */
  async nextDigest(): Promise<{ at: number; timezone: string; platform: string; chatId: string } | undefined> {
    const r = await this.db.k
      .selectFrom('subscriptions')
      .select(['next_due_at', 'timezone', 'platform', 'chat_id'])
      .where('active', '=', 1)
      .where('next_due_at', 'is not', null)
      .orderBy('next_due_at')
      .limit(1)
      .executeTakeFirst();
    return r ? { at: r.next_due_at!, timezone: r.timezone, platform: r.platform, chatId: r.chat_id } : undefined;
  }

  /** A read that reaches the database (for SQLite, the file, not only this connection's cached schema). */
  async ping(): Promise<void> {
    await this.db.k.selectFrom('schema_migrations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
  }
}
