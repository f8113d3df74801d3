import { sql } from 'kysely';
import type { DB } from './store.js';

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
  /** The worker polling it now, until `poll_lease_until`. */
  poll_owner: string | null;
  poll_lease_until: number | null;
}

/** The feeds table: what to poll, when, and how the last poll went. */
export class FeedRepo {
  constructor(private readonly db: DB) {}

  /**
   * The config is the source of truth for its feeds, applied when the bot polls (run, poll):
   * its feeds are upserted (and enabled again), config feeds no longer in it are disabled, their
   * history kept. Returns the URLs disabled now.
   */
  seed(feeds: { url: string; title?: string; interval?: number }[], now: number): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      for (const f of feeds) {
        await tx.k
          .insertInto('feeds')
          .values({ url: f.url, title: f.title ?? null, origin: 'config', interval_ms: f.interval ?? null, created_at: now })
          .onConflict((oc) =>
            oc.column('url').doUpdateSet({ title: sql`coalesce(excluded.title, feeds.title)`, interval_ms: sql`excluded.interval_ms`, origin: 'config', disabled_at: null }),
          )
          .execute();
      }
      const rows = await tx.k
        .updateTable('feeds')
        .set({ disabled_at: now })
        .where('origin', '=', 'config')
        .where('disabled_at', 'is', null)
        .$if(feeds.length > 0, (q) => q.where(sql<boolean>`NOT (${tx.inList('url', feeds.map((f) => f.url))})`))
        .returning('url')
        .execute();
      return rows.map((r) => r.url);
    });
  }

  async add(url: string, origin: 'user' | 'opml', now: number, title?: string): Promise<{ feed: FeedRow; created: boolean }> {
    const inserted = await this.db.k
      .insertInto('feeds')
      .values({ url, title: title ?? null, origin, created_at: now })
      .onConflict((oc) => oc.column('url').doNothing())
      .returning('id')
      .executeTakeFirst();
    return { feed: (await this.byUrl(url))!, created: inserted !== undefined };
  }

  async remove(url: string): Promise<boolean> {
    const r = await this.db.k.deleteFrom('feeds').where('url', '=', url).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  byUrl(url: string): Promise<FeedRow | undefined> {
    return this.db.k.selectFrom('feeds').selectAll().where('url', '=', url).executeTakeFirst();
  }

  byId(id: number): Promise<FeedRow | undefined> {
    return this.db.k.selectFrom('feeds').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Every feed, disabled ones included (what `feeds list` shows). */
  list(): Promise<FeedRow[]> {
    return this.db.k.selectFrom('feeds').selectAll().orderBy('id').execute();
  }

  /** The feeds that are polled. */
  active(): Promise<FeedRow[]> {
    return this.db.k.selectFrom('feeds').selectAll().where('disabled_at', 'is', null).orderBy('id').execute();
  }

  due(now: number): Promise<FeedRow[]> {
    return this.db.k
      .selectFrom('feeds')
      .selectAll()
      .where('next_poll_at', '<=', now)
      .where('disabled_at', 'is', null)
      .orderBy('next_poll_at')
      .orderBy('id')
      .execute();
  }

  /**
   * Leases up to `limit` feeds for `owner` to poll: due ones (or, with `ids`, those feeds
   * whether due or not) that no other worker holds. Several workers on one database each take
   * their own (PostgreSQL: `FOR UPDATE SKIP LOCKED`); a dead worker's leases run out and its
   * feeds are taken by another.
   */
  async claim(owner: string, now: number, leaseUntil: number, limit: number, ids?: number[]): Promise<FeedRow[]> {
    const db = this.db;
    const free = db.k
      .selectFrom('feeds')
      .select('id')
      .where('disabled_at', 'is', null)
      .where((eb) => eb.or([eb('poll_lease_until', 'is', null), eb('poll_lease_until', '<', now)]))
      .$if(ids === undefined, (q) => q.where('next_poll_at', '<=', now))
      .$if(ids !== undefined, (q) => q.where(db.inList('id', ids ?? [])))
      .orderBy('next_poll_at')
      .orderBy('id')
      .limit(limit)
      .$if(db.engine === 'postgres', (q) => q.forUpdate().skipLocked());
    // One statement: atomic on both engines.
    const rows = await db.k.updateTable('feeds').set({ poll_owner: owner, poll_lease_until: leaseUntil }).where('id', 'in', free).returningAll().execute();
    return rows.sort((a, b) => a.next_poll_at - b.next_poll_at || a.id - b.id);
  }

  /** The distinct owners of the leases held now (a worker checks at start for those of its dead predecessors). */
  async leaseOwners(): Promise<string[]> {
    const rows = await this.db.k.selectFrom('feeds').select('poll_owner').distinct().where('poll_owner', 'is not', null).execute();
    return rows.map((r) => r.poll_owner!);
  }

  /** Gives back every lease of `owner` (a process that is gone). */
  async releaseAll(owner: string): Promise<number> {
    const r = await this.db.k.updateTable('feeds').set({ poll_owner: null, poll_lease_until: null }).where('poll_owner', '=', owner).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Gives a leased feed back without recording a poll (the worker is stopping, or the poll was cut). */
  async release(id: number, owner: string): Promise<void> {
    await this.db.k.updateTable('feeds').set({ poll_owner: null, poll_lease_until: null }).where('id', '=', id).where('poll_owner', '=', owner).execute();
  }

  /** A poll that worked. `skipped` (items not read) is kept from the last answer when not given (a 304). */
  async recordSuccess(
    id: number,
    r: { status: 'ok' | 'not-modified'; etag?: string | null; lastModified?: string | null; title?: string; now: number; nextPollAt: number; skipped?: { count: number; reason: string | null } },
  ): Promise<void> {
    await this.db.k
      .updateTable('feeds')
      .set({
        last_status: r.status,
        last_error: null,
        error_count: 0,
        last_polled_at: r.now,
        last_ok_at: r.now,
        next_poll_at: r.nextPollAt,
        ...(r.etag ? { etag: r.etag } : {}),
        ...(r.lastModified ? { last_modified: r.lastModified } : {}),
        ...(r.title ? { title: sql<string>`coalesce(title, ${r.title})` } : {}),
        ...(r.skipped ? { last_skipped: r.skipped.count, last_skip_reason: r.skipped.reason } : {}),
        poll_owner: null,
        poll_lease_until: null,
      })
      .where('id', '=', id)
      .execute();
  }

  async recordFailure(id: number, r: { kind: string; message: string; now: number; nextPollAt: number }): Promise<void> {
    await this.db.k
      .updateTable('feeds')
      .set((eb) => ({
        last_status: r.kind,
        last_error: r.message,
        error_count: eb('error_count', '+', 1),
        last_polled_at: r.now,
        next_poll_at: r.nextPollAt,
        poll_owner: null,
        poll_lease_until: null,
      }))
      .where('id', '=', id)
      .execute();
  }

  /** The failing feeds, most failures first (for /healthz). */
  failing(limit: number): Promise<FeedRow[]> {
    return this.db.k.selectFrom('feeds').selectAll().where('error_count', '>', 0).orderBy('error_count', 'desc').orderBy('id').limit(limit).execute();
  }

  async failingCount(): Promise<number> {
    const r = await this.db.k.selectFrom('feeds').select((eb) => eb.fn.countAll<number>().as('n')).where('error_count', '>', 0).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async lastPollAt(): Promise<number | null> {
    const r = await this.db.k.selectFrom('feeds').select((eb) => eb.fn.max('last_polled_at').as('at')).executeTakeFirst();
    return r?.at ?? null;
  }
}
