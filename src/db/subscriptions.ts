import type { DB } from './open.js';
import { prepared } from './statements.js';

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

  get(platform: Platform, chatId: string): SubscriptionRow | undefined {
    const r = prepared(this.db, 'SELECT * FROM subscriptions WHERE platform = ? AND chat_id = ?').get(platform, chatId) as Raw | undefined;
    return r && fromRow(r);
  }

  byId(id: number): SubscriptionRow | undefined {
    const r = prepared(this.db, 'SELECT * FROM subscriptions WHERE id = ?').get(id) as Raw | undefined;
    return r && fromRow(r);
  }

  list(): SubscriptionRow[] {
    return (prepared(this.db, 'SELECT * FROM subscriptions ORDER BY id').all() as Raw[]).map(fromRow);
  }

  /** Active subscriptions with alerts on. */
  alerting(): SubscriptionRow[] {
    return (prepared(this.db, 'SELECT * FROM subscriptions WHERE active = 1 AND alert_threshold IS NOT NULL ORDER BY id').all() as Raw[]).map(fromRow);
  }

  insert(s: { platform: Platform; chatId: string; chatTitle: string | null; topics: string[]; schedule: string; timezone: string; maxStories: number; nextDueAt: number | null; now: number }): void {
    prepared(this.db, `INSERT INTO subscriptions (platform, chat_id, chat_title, topics, schedule, timezone, max_stories, active, next_due_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`)
      .run(s.platform, s.chatId, s.chatTitle, JSON.stringify(s.topics), s.schedule, s.timezone, s.maxStories, s.nextDueAt, s.now, s.now);
  }

  /** Sets the topics and makes the subscription active again. */
  reactivate(id: number, topics: string[], nextDueAt: number | null, chatTitle: string | null, now: number): void {
    prepared(this.db, 'UPDATE subscriptions SET topics = ?, active = 1, stop_reason = NULL, next_due_at = ?, chat_title = coalesce(?, chat_title), updated_at = ? WHERE id = ?')
      .run(JSON.stringify(topics), nextDueAt, chatTitle, now, id);
  }

  setTopics(id: number, topics: string[], now: number): void {
    prepared(this.db, 'UPDATE subscriptions SET topics = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(topics), now, id);
  }

  /** Stops delivery, keeping the subscription and its settings. */
  deactivate(id: number, reason: string, now: number): void {
    prepared(this.db, 'UPDATE subscriptions SET active = 0, stop_reason = ?, updated_at = ? WHERE id = ?').run(reason, now, id);
  }

  setSchedule(id: number, schedule: string, nextDueAt: number | null, now: number): void {
    prepared(this.db, 'UPDATE subscriptions SET schedule = ?, next_due_at = ?, updated_at = ? WHERE id = ?').run(schedule, nextDueAt, now, id);
  }

  setTimezone(id: number, timezone: string, nextDueAt: number | null, now: number): void {
    prepared(this.db, 'UPDATE subscriptions SET timezone = ?, next_due_at = ?, updated_at = ? WHERE id = ?').run(timezone, nextDueAt, now, id);
  }

  /** Alerts on (threshold) or off (null). `alerts_since` is kept while they stay on. */
  setAlerts(id: number, threshold: number | null, skipDigest: boolean, now: number): void {
    prepared(this.db, `UPDATE subscriptions SET alert_threshold = ?, alert_skip_digest = ?,
        alerts_since = CASE WHEN ? IS NULL THEN NULL ELSE coalesce(alerts_since, ?) END, updated_at = ? WHERE id = ?`)
      .run(threshold, skipDigest ? 1 : 0, threshold, now, now, id);
  }

  setQuiet(id: number, quiet: { start: string; end: string; mode: QuietMode } | null, now: number): void {
    prepared(this.db, "UPDATE subscriptions SET quiet_start = ?, quiet_end = ?, quiet_mode = coalesce(?, 'wait'), updated_at = ? WHERE id = ?")
      .run(quiet?.start ?? null, quiet?.end ?? null, quiet?.mode ?? null, now, id);
  }

  // --- filters ---

  filters(subscriptionId: number): FilterRow[] {
    return prepared(this.db, 'SELECT kind, term FROM subscription_filters WHERE subscription_id = ? ORDER BY created_at, rowid').all(subscriptionId) as FilterRow[];
  }

  /** False when the same filter exists already. */
  addFilter(subscriptionId: number, kind: FilterKind, term: string, now: number): boolean {
    return prepared(this.db, 'INSERT INTO subscription_filters (subscription_id, kind, term, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(subscriptionId, kind, term, now).changes === 1;
  }

  removeFilter(subscriptionId: number, kind: FilterKind, term: string): boolean {
    return prepared(this.db, 'DELETE FROM subscription_filters WHERE subscription_id = ? AND kind = ? AND term = ?').run(subscriptionId, kind, term).changes === 1;
  }

  clearFilters(subscriptionId: number): number {
    return prepared(this.db, 'DELETE FROM subscription_filters WHERE subscription_id = ?').run(subscriptionId).changes;
  }
}
