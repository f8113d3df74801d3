import type { LoadedConfig } from '../config/load.js';
import type { DB } from '../db/open.js';
import { assertMinInterval, isValidTimeZone, nextRun, parseSchedule, ScheduleError, SCHEDULE_HELP } from '../scheduler/schedule.js';

export type Platform = 'telegram' | 'slack' | 'console';

export interface Subscription {
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
}

interface Row {
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
}

/** A user's command that cannot be done; the message is what the chat replies, in one line. */
export class CommandError extends Error {}

/**
 * The longest command argument accepted. Topics, schedules and time zones are all far shorter;
 * a longer one is refused without echoing it (an echo of a 4,000-character argument made the
 * reply too long to send, so the user got no answer at all).
 */
export const MAX_ARGUMENT_CHARS = 200;

/** The argument of a chat command, trimmed; CommandError when it is too long. */
export function commandArgument(raw: string): string {
  const arg = raw.trim();
  if (arg.length > MAX_ARGUMENT_CHARS) throw new CommandError(`Argument too long (${arg.length} characters, max ${MAX_ARGUMENT_CHARS}).`);
  return arg;
}

function fromRow(r: Row): Subscription {
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
  };
}

/**
 * Subscriptions, one per chat/channel: the single service every adapter's commands call, so
 * Telegram, Slack and the CLI behave alike.
 */
export class SubscriptionService {
  constructor(
    private readonly db: DB,
    private readonly config: LoadedConfig,
    private readonly clock: () => number = Date.now,
  ) {}

  get(platform: Platform, chatId: string): Subscription | undefined {
    const r = this.db.prepare('SELECT * FROM subscriptions WHERE platform = ? AND chat_id = ?').get(platform, chatId) as Row | undefined;
    return r && fromRow(r);
  }

  byId(id: number): Subscription | undefined {
    const r = this.db.prepare('SELECT * FROM subscriptions WHERE id = ?').get(id) as Row | undefined;
    return r && fromRow(r);
  }

  list(): Subscription[] {
    return (this.db.prepare('SELECT * FROM subscriptions ORDER BY id').all() as Row[]).map(fromRow);
  }

  topics(): { id: string; name: string }[] {
    return this.config.topics.map((t) => ({ id: t.id, name: t.name }));
  }

  /** Finds a topic by id or by a word of its name; an empty query means the first topic. */
  resolveTopic(query?: string): string {
    const topics = this.config.topics;
    if (!query) return topics[0]!.id;
    const q = query.toLowerCase();
    const found = topics.find((t) => t.id === q) ?? topics.find((t) => t.name.toLowerCase().includes(q));
    if (!found) throw new CommandError(`Unknown topic "${query}". Topics: ${topics.map((t) => t.id).join(', ')}. Example: subscribe ${topics[0]!.id}`);
    return found.id;
  }

  /** Subscribes a chat (creating it with the defaults) to a topic; reactivates a stopped one. */
  subscribe(platform: Platform, chatId: string, topicQuery?: string, chatTitle?: string): { subscription: Subscription; created: boolean; topic: string } {
    const topic = this.resolveTopic(topicQuery);
    const now = this.clock();
    const existing = this.get(platform, chatId);
    if (!existing) {
      const { digest } = this.config;
      const schedule = parseSchedule(digest.schedule);
      this.db
        .prepare(`INSERT INTO subscriptions (platform, chat_id, chat_title, topics, schedule, timezone, max_stories, active, next_due_at, created_at, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`)
        .run(platform, chatId, chatTitle ?? null, JSON.stringify([topic]), schedule.text, digest.timezone, digest.maxStories, nextRun(schedule, digest.timezone, now), now, now);
      return { subscription: this.get(platform, chatId)!, created: true, topic };
    }
    const topics = existing.topics.includes(topic) ? existing.topics : [...existing.topics, topic];
    const next = existing.active ? existing.nextDueAt : nextRun(parseSchedule(existing.schedule), existing.timezone, now);
    this.db
      .prepare('UPDATE subscriptions SET topics = ?, active = 1, stop_reason = NULL, next_due_at = ?, chat_title = coalesce(?, chat_title), updated_at = ? WHERE id = ?')
      .run(JSON.stringify(topics), next, chatTitle ?? null, now, existing.id);
    return { subscription: this.get(platform, chatId)!, created: false, topic };
  }

  /** Removes one topic, or everything (`all` or no topic): the subscription is stopped. */
  unsubscribe(platform: Platform, chatId: string, topicQuery?: string): { subscription?: Subscription; stopped: boolean } {
    const sub = this.require(platform, chatId);
    const now = this.clock();
    if (!topicQuery || topicQuery.toLowerCase() === 'all') {
      this.db.prepare("UPDATE subscriptions SET active = 0, stop_reason = 'unsubscribed', updated_at = ? WHERE id = ?").run(now, sub.id);
      return { subscription: this.byId(sub.id), stopped: true };
    }
    const topic = this.resolveTopic(topicQuery);
    if (!sub.topics.includes(topic)) throw new CommandError(`This chat is not subscribed to ${topic}. Subscribed: ${sub.topics.join(', ') || 'nothing'}.`);
    const topics = sub.topics.filter((t) => t !== topic);
    if (!topics.length) {
      this.db.prepare("UPDATE subscriptions SET topics = '[]', active = 0, stop_reason = 'unsubscribed', updated_at = ? WHERE id = ?").run(now, sub.id);
      return { subscription: this.byId(sub.id), stopped: true };
    }
    this.db.prepare('UPDATE subscriptions SET topics = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(topics), now, sub.id);
    return { subscription: this.byId(sub.id), stopped: false };
  }

  setSchedule(platform: Platform, chatId: string, text: string): Subscription {
    const sub = this.require(platform, chatId);
    if (!text.trim()) throw new CommandError(`Give a schedule: ${SCHEDULE_HELP}. Example: schedule daily 08:00`);
    let schedule;
    try {
      schedule = parseSchedule(text);
      assertMinInterval(schedule);
    } catch (err) {
      if (err instanceof ScheduleError) throw new CommandError(`${err.message}. Example: schedule daily 08:00`);
      throw err;
    }
    this.db
      .prepare('UPDATE subscriptions SET schedule = ?, next_due_at = ?, updated_at = ? WHERE id = ?')
      .run(schedule.text, nextRun(schedule, sub.timezone, this.clock()), this.clock(), sub.id);
    return this.byId(sub.id)!;
  }

  setTimezone(platform: Platform, chatId: string, tz: string): Subscription {
    const sub = this.require(platform, chatId);
    const zone = tz.trim();
    if (!zone || !isValidTimeZone(zone)) throw new CommandError(`"${zone}" is not a time zone; use an IANA name such as Europe/Kyiv or America/New_York.`);
    this.db
      .prepare('UPDATE subscriptions SET timezone = ?, next_due_at = ?, updated_at = ? WHERE id = ?')
      .run(zone, nextRun(parseSchedule(sub.schedule), zone, this.clock()), this.clock(), sub.id);
    return this.byId(sub.id)!;
  }

  /** Stops delivery for a reason the platform gave (blocked, chat not found…). */
  deactivate(id: number, reason: string): void {
    this.db.prepare('UPDATE subscriptions SET active = 0, stop_reason = ?, updated_at = ? WHERE id = ?').run(reason, this.clock(), id);
  }

  describe(sub: Subscription): string {
    const names = sub.topics.map((id) => this.config.topics.find((t) => t.id === id)?.name ?? id);
    const next = sub.active && sub.nextDueAt ? new Date(sub.nextDueAt).toLocaleString('en-GB', { timeZone: sub.timezone, dateStyle: 'medium', timeStyle: 'short' }) : null;
    return [
      `Topics: ${names.join(', ') || 'none'}`,
      `Schedule: ${sub.schedule} (${sub.timezone})${next ? `, next digest ${next}` : ''}`,
      `Up to ${sub.maxStories} stories per digest`,
      sub.active ? 'Status: active' : `Status: stopped${sub.stopReason ? ` (${sub.stopReason})` : ''}`,
    ].join('\n');
  }

  private require(platform: Platform, chatId: string): Subscription {
    const sub = this.get(platform, chatId);
    if (!sub) throw new CommandError('This chat has no subscription yet. Subscribe first, e.g. subscribe ' + this.config.topics[0]!.id);
    return sub;
  }
}
