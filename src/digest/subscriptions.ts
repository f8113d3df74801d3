import type { LoadedConfig } from '../config/load.js';
import type { DB } from '../db/store.js';
import { SubscriptionRepo, type FilterRow, type SubscriptionRow } from '../db/subscriptions.js';
import { MAX_FILTERS, MAX_FILTER_CHARS, foldForFilter } from './filters.js';
import { parseQuietRange } from './quiet-hours.js';
import { assertMinInterval, isValidTimeZone, nextRun, parseSchedule, ScheduleError, SCHEDULE_HELP } from '../scheduler/schedule.js';

export type Platform = 'telegram' | 'slack' | 'console';

/** A chat's subscription: schedule, zone, alerts, quiet hours (rows of src/db/subscriptions.ts). */
export type Subscription = SubscriptionRow;

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

/** Most outlets an alert threshold may ask for: beyond it a story would practically never qualify. */
export const MAX_ALERT_THRESHOLD = 50;

/**
 * Subscriptions, one per chat/channel: the single service every adapter's commands call, so
 * Telegram, Slack and the CLI behave alike. Storage is SubscriptionRepo's.
 */
export class SubscriptionService {
  private readonly repo: SubscriptionRepo;

  constructor(
    db: DB,
    private readonly config: LoadedConfig,
    private readonly clock: () => number = Date.now,
  ) {
    this.repo = new SubscriptionRepo(db);
  }

  async get(platform: Platform, chatId: string): Promise<Subscription | undefined> {
    return await this.repo.get(platform, chatId);
  }

  async byId(id: number): Promise<Subscription | undefined> {
    return await this.repo.byId(id);
  }

  async list(): Promise<Subscription[]> {
    return await this.repo.list();
  }

  /** Active subscriptions with alerts on. */
  async alerting(): Promise<Subscription[]> {
    return await this.repo.alerting();
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
  async subscribe(platform: Platform, chatId: string, topicQuery?: string, chatTitle?: string): Promise<{ subscription: Subscription; created: boolean; topic: string }> {
    const topic = this.resolveTopic(topicQuery);
    const now = this.clock();
    const existing = await this.get(platform, chatId);
    if (!existing) {
      const { digest } = this.config;
      const schedule = parseSchedule(digest.schedule);
      await this.repo.insert({ platform, chatId, chatTitle: chatTitle ?? null, topics: [topic], schedule: schedule.text, timezone: digest.timezone, maxStories: digest.maxStories, nextDueAt: nextRun(schedule, digest.timezone, now), now });
      return { subscription: (await this.get(platform, chatId))!, created: true, topic };
    }
    const topics = existing.topics.includes(topic) ? existing.topics : [...existing.topics, topic];
    const next = existing.active ? existing.nextDueAt : nextRun(parseSchedule(existing.schedule), existing.timezone, now);
    await this.repo.reactivate(existing.id, topics, next, chatTitle ?? null, now);
    return { subscription: (await this.get(platform, chatId))!, created: false, topic };
  }

  /** Removes one topic, or everything (`all` or no topic): the subscription is stopped. */
  async unsubscribe(platform: Platform, chatId: string, topicQuery?: string): Promise<{ subscription?: Subscription; stopped: boolean }> {
    const sub = await this.require(platform, chatId);
    const now = this.clock();
    if (!topicQuery || topicQuery.toLowerCase() === 'all') {
      await this.repo.deactivate(sub.id, 'unsubscribed', now);
      return { subscription: await this.byId(sub.id), stopped: true };
    }
    const topic = this.resolveTopic(topicQuery);
    if (!sub.topics.includes(topic)) throw new CommandError(`This chat is not subscribed to ${topic}. Subscribed: ${sub.topics.join(', ') || 'nothing'}.`);
    const topics = sub.topics.filter((t) => t !== topic);
    await this.repo.setTopics(sub.id, topics, now);
    if (!topics.length) {
      await this.repo.deactivate(sub.id, 'unsubscribed', now);
      return { subscription: await this.byId(sub.id), stopped: true };
    }
    return { subscription: await this.byId(sub.id), stopped: false };
  }

  async setSchedule(platform: Platform, chatId: string, text: string): Promise<Subscription> {
    const sub = await this.require(platform, chatId);
    if (!text.trim()) throw new CommandError(`Give a schedule: ${SCHEDULE_HELP}. Example: schedule daily 08:00`);
    let schedule;
    try {
      schedule = parseSchedule(text);
      assertMinInterval(schedule);
    } catch (err) {
      if (err instanceof ScheduleError) throw new CommandError(`${err.message}. Example: schedule daily 08:00`);
      throw err;
    }
    await this.repo.setSchedule(sub.id, schedule.text, nextRun(schedule, sub.timezone, this.clock()), this.clock());
    return (await this.byId(sub.id))!;
  }

  async setTimezone(platform: Platform, chatId: string, tz: string): Promise<Subscription> {
    const sub = await this.require(platform, chatId);
    const zone = tz.trim();
    if (!zone || !isValidTimeZone(zone)) throw new CommandError(`"${zone}" is not a time zone; use an IANA name such as Europe/Kyiv or America/New_York.`);
    await this.repo.setTimezone(sub.id, zone, nextRun(parseSchedule(sub.schedule), zone, this.clock()), this.clock());
    return (await this.byId(sub.id))!;
  }

  /**
   * `alerts 3 [skip-digest|mark]` or `alerts off`: a story is sent as soon as that many outlets
   * report it. Alerted stories are marked in the digest, or left out of it with `skip-digest`.
   */
  async setAlerts(platform: Platform, chatId: string, text: string): Promise<Subscription> {
    const sub = await this.require(platform, chatId);
    const usage = `Usage: alerts N [skip-digest] (1–${MAX_ALERT_THRESHOLD} outlets) or alerts off, e.g. alerts 3`;
    const [first = '', option, ...extra] = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
    if (first === 'off') {
      if (option) throw new CommandError(usage);
      await this.repo.setAlerts(sub.id, null, false, this.clock());
      return (await this.byId(sub.id))!;
    }
    const n = /^\d{1,3}$/.test(first) ? Number(first) : NaN;
    if (!(n >= 1 && n <= MAX_ALERT_THRESHOLD) || extra.length || (option && !['skip-digest', 'mark'].includes(option))) throw new CommandError(usage);
    await this.repo.setAlerts(sub.id, n, option === 'skip-digest', this.clock());
    return (await this.byId(sub.id))!;
  }

  /** `quiet 22:00-07:00 [wait|silent]` or `quiet off`, in the subscription's time zone. */
  async setQuiet(platform: Platform, chatId: string, text: string): Promise<Subscription> {
    const sub = await this.require(platform, chatId);
    const usage = 'Usage: quiet HH:MM-HH:MM [wait|silent] or quiet off, e.g. quiet 22:00-07:00 (wait: alerts come when quiet hours end; silent: they come without a sound)';
    const words = text.trim().split(/\s+/).filter(Boolean);
    if (words.length === 1 && words[0]!.toLowerCase() === 'off') {
      await this.repo.setQuiet(sub.id, null, this.clock());
      return (await this.byId(sub.id))!;
    }
    const mode = (words[1] ?? 'wait').toLowerCase();
    const range = words[0] ? parseQuietRange(words[0]) : undefined;
    if (!range || words.length > 2 || (mode !== 'wait' && mode !== 'silent')) throw new CommandError(usage);
    await this.repo.setQuiet(sub.id, { ...range, mode }, this.clock());
    return (await this.byId(sub.id))!;
  }

  async filters(subscriptionId: number): Promise<FilterRow[]> {
    return await this.repo.filters(subscriptionId);
  }

  /** `filter add -word` (leave out stories with it) or `+word` (only stories with it). */
  async addFilter(platform: Platform, chatId: string, text: string): Promise<FilterRow> {
    const sub = await this.require(platform, chatId);
    const raw = text.trim().replace(/\s+/g, ' ');
    const sign = raw[0];
    const term = raw.slice(1).trim();
    if ((sign !== '+' && sign !== '-') || !term) throw new CommandError('Start the word with - to leave out stories that have it, or + to get only stories that have it, e.g. filter add -football or filter add +Patriot');
    if (term.length > MAX_FILTER_CHARS) throw new CommandError(`A filter may have at most ${MAX_FILTER_CHARS} characters (this one has ${term.length}).`);
    if (!/[\p{L}\p{N}]/u.test(term)) throw new CommandError('A filter needs at least one letter or digit.');
    const kind = sign === '+' ? 'include' : 'exclude';
    const existing = await this.repo.filters(sub.id);
    if (existing.some((f) => f.kind === kind && foldForFilter(f.term) === foldForFilter(term))) throw new CommandError(`You already have the filter ${sign}${term}.`);
    if (existing.length >= MAX_FILTERS) throw new CommandError(`This chat has ${MAX_FILTERS} filters, the most it may have: remove one (filter remove ${existing[0]!.kind === 'include' ? '+' : '-'}${existing[0]!.term}) or clear them (filter clear).`);
    await this.repo.addFilter(sub.id, kind, term, this.clock());
    return { kind, term };
  }

  /** `filter remove -word`; CommandError when there is no such filter. */
  async removeFilter(platform: Platform, chatId: string, text: string): Promise<FilterRow> {
    const sub = await this.require(platform, chatId);
    const raw = text.trim().replace(/\s+/g, ' ');
    const kind = raw[0] === '+' ? 'include' : raw[0] === '-' ? 'exclude' : undefined;
    const term = raw.slice(1).trim();
    const found = (await this.repo.filters(sub.id)).find((f) => f.kind === kind && foldForFilter(f.term) === foldForFilter(term));
    if (!kind || !found) throw new CommandError(`No filter ${raw || '(none given)'} here. See them with: filter list`);
    await this.repo.removeFilter(sub.id, found.kind, found.term);
    return found;
  }

  async clearFilters(platform: Platform, chatId: string): Promise<number> {
    return this.repo.clearFilters((await this.require(platform, chatId)).id);
  }

  /** Stops delivery for a reason the platform gave (blocked, chat not found…). */
  async deactivate(id: number, reason: string): Promise<void> {
    await this.repo.deactivate(id, reason, this.clock());
  }

  async describe(sub: Subscription): Promise<string> {
    const names = sub.topics.map((id) => this.config.topics.find((t) => t.id === id)?.name ?? id);
    const next = sub.active && sub.nextDueAt ? new Date(sub.nextDueAt).toLocaleString('en-GB', { timeZone: sub.timezone, dateStyle: 'medium', timeStyle: 'short' }) : null;
    const filters = await this.repo.filters(sub.id);
    return [
      `Topics: ${names.join(', ') || 'none'}`,
      `Schedule: ${sub.schedule} (${sub.timezone})${next ? `, next digest ${next}` : ''}`,
      `Up to ${sub.maxStories} stories per digest`,
      `Alerts: ${sub.alertThreshold === null ? 'off' : `when ${sub.alertThreshold} ${sub.alertThreshold === 1 ? 'outlet reports' : 'outlets report'} a story; alerted stories ${sub.alertSkipDigest ? 'left out of' : 'marked in'} the digest`}`,
      `Quiet hours: ${sub.quiet ? `${sub.quiet.start}–${sub.quiet.end} (${sub.timezone}), alerts ${sub.quiet.mode === 'wait' ? 'wait until the end' : 'come silently'}` : 'none'}`,
      `Filters: ${filters.length ? filters.map(filterText).join(', ') : 'none'}`,
      sub.active ? 'Status: active' : `Status: stopped${sub.stopReason ? ` (${sub.stopReason})` : ''}`,
    ].join('\n');
  }

  private async require(platform: Platform, chatId: string): Promise<Subscription> {
    const sub = await this.get(platform, chatId);
    if (!sub) throw new CommandError('This chat has no subscription yet. Subscribe first, e.g. subscribe ' + this.config.topics[0]!.id);
    return sub;
  }
}

/** A filter as the user writes it: +word or -word. */
export function filterText(f: FilterRow): string {
  return `${f.kind === 'include' ? '+' : '-'}${f.term}`;
}
