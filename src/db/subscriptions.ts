import { sql } from 'kysely';
import type { DB } from './store.js';

// The same union as digest/subscriptions' Platform, repeated so db/ does not import digest/.
type Platform = 'telegram' | 'slack' | 'console';
export type QuietMode = 'wait' | 'silent';
export type FilterKind = 'include' | 'exclude';

/** A subscriptions row in camelCase; `topics` parsed. */
export interface SubscriptionRow {
  id: number;
  platform: Platform;
  chatId: string;
  chatTitle: string | null;
  topics: string[];
  schedule: string;
  timezone: string;
  maxStories: number;
  active: boolean;
  stopReason: string | null;
  lastDigestAt: number | null;
  nextDueAt: number | null;
  createdAt: number;
  /** Outlets a story needs to be alerted; null: alerts off. */
  alertThreshold: number | null;
  /** Alerted stories are left out of digests (else marked there). */
  alertSkipDigest: boolean;
  alertsSince: number | null;
  /** Local "HH:MM" start and end, or null. */
  quiet: { start: string; end: string; mode: QuietMode } | null;
}

export interface FilterRow {
  kind: FilterKind;
  term: string;
}

interface Raw {
  id: number;
  platform: Platform;
  chat_id: string;
  chat_title: string | null;
  topics: string;
  schedule: string;
  timezone: string;
  max_stories: number;
  active: number;
  stop_reason: string | null;
  last_digest_at: number | null;
  next_due_at: number | null;
  created_at: number;
  alert_threshold: number | null;
  alert_skip_digest: number;
  alerts_since: number | null;
  quiet_start: string | null;
  quiet_end: string | null;
  quiet_mode: QuietMode;
}

function fromRow(r: Raw): SubscriptionRow {
  return {
    id: r.id,
    platform: r.platform,
    chatId: r.chat_id,
    chatTitle: r.chat_title,
    topics: JSON.parse(r.topics) as string[],
    schedule: r.schedule,
    timezone: r.timezone,
    maxStories: r.max_stories,
    active: r.active === 1,
    stopReason: r.stop_reason,
    lastDigestAt: r.last_digest_at,
    nextDueAt: r.next_due_at,
    createdAt: r.created_at,
    alertThreshold: r.alert_threshold,
    alertSkipDigest: r.alert_skip_digest === 1,
    alertsSince: r.alerts_since,
    quiet: r.quiet_start && r.quiet_end ? { start: r.quiet_start, end: r.quiet_end, mode: r.quiet_mode } : null,
  };
}

/** Subscriptions (one per chat/channel), their settings and word filters. */
export class SubscriptionRepo {
  constructor(private readonly db: DB) {}

  async get(platform: Platform, chatId: string): Promise<SubscriptionRow | undefined> {
    const r = await this.db.k.selectFrom('subscriptions').selectAll().where('platform', '=', platform).where('chat_id', '=', chatId).executeTakeFirst();
    return r && fromRow(r);
  }

  /** `lock`: PostgreSQL takes the row lock for the enclosing transaction (a worker building its digest). */
  async byId(id: number, options: { lock?: boolean } = {}): Promise<SubscriptionRow | undefined> {
    const r = await this.db.k
      .selectFrom('subscriptions')
      .selectAll()
      .where('id', '=', id)
      .$if(!!options.lock && this.db.engine === 'postgres' && this.db.isTransaction, (q) => q.forUpdate())
      .executeTakeFirst();
    return r && fromRow(r);
  }

  /** The given subscriptions by id (those that exist). */
  async byIds(ids: readonly number[]): Promise<Map<number, SubscriptionRow>> {
    if (!ids.length) return new Map();
    const rows = await this.db.k.selectFrom('subscriptions').selectAll().where(this.db.inList('id', ids)).execute();
    return new Map(rows.map((r) => [r.id, fromRow(r)]));
  }

  /** The filters of several subscriptions, each in the order added. */
  async filtersOf(ids: readonly number[]): Promise<Map<number, FilterRow[]>> {
    const out = new Map<number, FilterRow[]>(ids.map((id) => [id, []]));
    if (!ids.length) return out;
    const order = this.db.engine === 'postgres' ? sql.ref('seq') : sql.raw('rowid');
    const rows = await this.db.k
      .selectFrom('subscription_filters')
      .select(['subscription_id', 'kind', 'term'])
      .where(this.db.inList('subscription_id', ids))
      .orderBy('created_at')
      .orderBy(order)
      .execute();
    for (const r of rows) out.get(r.subscription_id)?.push({ kind: r.kind, term: r.term });
    return out;
  }

  async list(): Promise<SubscriptionRow[]> {
    return (await this.db.k.selectFrom('subscriptions').selectAll().orderBy('id').execute()).map(fromRow);
  }

  /** Active subscriptions with alerts on. */
  async alerting(): Promise<SubscriptionRow[]> {
    return (await this.db.k.selectFrom('subscriptions').selectAll().where('active', '=', 1).where('alert_threshold', 'is not', null).orderBy('id').execute()).map(fromRow);
  }

  async insert(s: { platform: Platform; chatId: string; chatTitle: string | null; topics: string[]; schedule: string; timezone: string; maxStories: number; nextDueAt: number | null; now: number }): Promise<void> {
    await this.db.k
      .insertInto('subscriptions')
      .values({
        platform: s.platform,
        chat_id: s.chatId,
        chat_title: s.chatTitle,
        topics: JSON.stringify(s.topics),
        schedule: s.schedule,
        timezone: s.timezone,
        max_stories: s.maxStories,
        active: 1,
        next_due_at: s.nextDueAt,
        created_at: s.now,
        updated_at: s.now,
      })
      // Two commands of one chat at once: the second finds the first's row.
      .onConflict((oc) => oc.columns(['platform', 'chat_id']).doNothing())
      .execute();
  }

  /** Sets the topics and makes the subscription active again. */
  async reactivate(id: number, topics: string[], nextDueAt: number | null, chatTitle: string | null, now: number): Promise<void> {
    await this.db.k
      .updateTable('subscriptions')
      .set({ topics: JSON.stringify(topics), active: 1, stop_reason: null, next_due_at: nextDueAt, ...(chatTitle !== null ? { chat_title: chatTitle } : {}), updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async setTopics(id: number, topics: string[], now: number): Promise<void> {
    await this.db.k.updateTable('subscriptions').set({ topics: JSON.stringify(topics), updated_at: now }).where('id', '=', id).execute();
  }

  /** Stops delivery, keeping the subscription and its settings. */
  async deactivate(id: number, reason: string, now: number): Promise<void> {
    await this.db.k.updateTable('subscriptions').set({ active: 0, stop_reason: reason, updated_at: now }).where('id', '=', id).execute();
  }

  async setSchedule(id: number, schedule: string, nextDueAt: number | null, now: number): Promise<void> {
    await this.db.k.updateTable('subscriptions').set({ schedule, next_due_at: nextDueAt, updated_at: now }).where('id', '=', id).execute();
  }

  async setTimezone(id: number, timezone: string, nextDueAt: number | null, now: number): Promise<void> {
    await this.db.k.updateTable('subscriptions').set({ timezone, next_due_at: nextDueAt, updated_at: now }).where('id', '=', id).execute();
  }

  /** Alerts on (threshold) or off (null). `alerts_since` is kept while they stay on. */
  async setAlerts(id: number, threshold: number | null, skipDigest: boolean, now: number): Promise<void> {
    await this.db.k
      .updateTable('subscriptions')
      .set({
        alert_threshold: threshold,
        alert_skip_digest: skipDigest ? 1 : 0,
        alerts_since: threshold === null ? null : sql<number>`coalesce(alerts_since, ${now})`,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  async setQuiet(id: number, quiet: { start: string; end: string; mode: QuietMode } | null, now: number): Promise<void> {
    await this.db.k
      .updateTable('subscriptions')
      .set({ quiet_start: quiet?.start ?? null, quiet_end: quiet?.end ?? null, quiet_mode: quiet?.mode ?? 'wait', updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async setNextDue(id: number, next: number | null): Promise<void> {
    await this.db.k.updateTable('subscriptions').set({ next_due_at: next }).where('id', '=', id).execute();
  }

  async dueIds(now: number): Promise<number[]> {
    const rows = await this.db.k
      .selectFrom('subscriptions')
      .select('id')
      .where('active', '=', 1)
      .where('next_due_at', 'is not', null)
      .where('next_due_at', '<=', now)
      .orderBy('next_due_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => r.id);
  }

  // --- filters ---

  async filters(subscriptionId: number): Promise<FilterRow[]> {
    // In the order they were added (SQLite's rowid; PostgreSQL's seq column).
    const order = this.db.engine === 'postgres' ? sql.ref('seq') : sql.raw('rowid');
    return this.db.k
      .selectFrom('subscription_filters')
      .select(['kind', 'term'])
      .where('subscription_id', '=', subscriptionId)
      .orderBy('created_at')
      .orderBy(order)
      .execute();
  }

  /** False when the same filter exists already. */
  async addFilter(subscriptionId: number, kind: FilterKind, term: string, now: number): Promise<boolean> {
    const r = await this.db.k
      .insertInto('subscription_filters')
      .values({ subscription_id: subscriptionId, kind, term, created_at: now })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async removeFilter(subscriptionId: number, kind: FilterKind, term: string): Promise<boolean> {
    const r = await this.db.k.deleteFrom('subscription_filters').where('subscription_id', '=', subscriptionId).where('kind', '=', kind).where('term', '=', term).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  async clearFilters(subscriptionId: number): Promise<number> {
    const r = await this.db.k.deleteFrom('subscription_filters').where('subscription_id', '=', subscriptionId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
