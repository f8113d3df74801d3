import pLimit from 'p-limit';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { DB } from '../db/store.js';
import { FeedRepo, type FeedRow } from '../db/feeds.js';
import { WriteBatcher } from '../db/write-batcher.js';
import { ArticleRepo } from '../db/articles.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { decodeBody } from './charset.js';
import { FeedError } from './errors.js';
import { fetchResource, type FetchLimits } from './fetch.js';
import type { AddressPolicy } from './address-policy.js';
import { isDatabaseError, isLockError, retryOnLock } from '../db/lock-retry.js';
import type { HealthMonitor } from '../health.js';
import { normaliseItemResult, type NormalisedItem } from './normalise.js';
import { parseFeed, type ParsedFeed } from './parse.js';

export interface PollOptions {
  limits: FetchLimits;
  concurrency: number;
  defaultIntervalMs: number;
  maxBackoffMs: number;
  /** Redirects of a feed to other hosts are checked against it (the feed's own host is the operator's choice). */
  policy?: AddressPolicy;
  /** The whole poll of one feed (fetch, decode, parse, store) at most; default {@link feedDeadlineMs}. */
  deadlineMs?: number;
  /** The parse step (tests put a step that never settles here). */
  parse?: (text: string, options?: { baseUrl?: string }) => Promise<{ feed: ParsedFeed; repaired: boolean }>;
  /** The name this process's feed leases carry (default: host, pid and a random token). */
  owner?: string;
}

/** Items of one answer that were not read, by reason ("no link", the parser's reason…). */
export interface SkippedItems {
  count: number;
  reasons: Record<string, number>;
}

export interface FeedPollResult {
  feedId: number;
  url: string;
  title: string | null;
  status: 'ok' | 'not-modified' | 'error' | 'skipped';
  errorKind?: string;
  error?: string;
  items: number;
  newIds: number[];
  updatedIds: number[];
  repaired: boolean;
  /** What the feed is, as the parser named it ('RSS 2.0', 'Atom 1.0'…), when known. */
  format?: string;
  /** Items skipped (the others stored); absent when none was. */
  skipped?: SkippedItems;
  /** Cut off at the whole-feed deadline (status 'error', kind 'timeout'). */
  cutOff?: boolean;
  durationMs: number;
}

/**
 * The whole poll of one feed at most: the transfer's own timeout plus half of it (at least a
 * second) for decoding, parsing and storing, which take milliseconds on a healthy feed (a 5 MB
 * feed parses in about a second). 20 s → 30 s.
 */
export function feedDeadlineMs(limits: Pick<FetchLimits, 'timeoutMs'>): number {
  return limits.timeoutMs + Math.max(1000, limits.timeoutMs / 2);
}

/** One feed's poll in progress: cut off at its deadline or when the worker stops. */
interface Run {
  cut: boolean;
  abort: AbortController;
  stop: () => void;
}

/**
 * Polls feeds: fetch (conditional GET) → decode → parse → normalise → store. Feeds run
 * concurrently up to a limit; one feed is never polled twice at once; a failure is stored on
 * its feed and backs off exponentially without touching the others. Every feed's poll is bounded
 * end to end by a deadline: a feed that overruns it (a transfer that trickles, a parse that never
 * settles) is recorded as failed ('timeout') and the others go on, so a poll always ends. The
 * work cut off is left to finish or not; nothing it returns is stored or reported.
 */
export class Poller {
  private readonly feeds: FeedRepo;
  private readonly writes: WriteBatcher;
  private readonly inFlight = new Map<number, Run>();
  private readonly limit;
  private readonly parse: (text: string, options?: { baseUrl?: string }) => Promise<{ feed: ParsedFeed; repaired: boolean }>;
  /** Bumped by cutAll(): polls queued before it are not started. */
  private generation = 0;
  readonly deadlineMs: number;
  /** Whose feed leases are this process's. */
  readonly owner: string;

  constructor(
    private readonly db: DB,
    private readonly options: PollOptions,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
    private readonly clock: () => number = Date.now,
    private readonly health?: HealthMonitor,
  ) {
    this.feeds = new FeedRepo(db);
    this.writes = new WriteBatcher(db);
    this.limit = pLimit(options.concurrency);
    this.parse = options.parse ?? parseFeed;
    this.deadlineMs = options.deadlineMs ?? feedDeadlineMs(options.limits);
    this.owner = options.owner ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  private recovered = false;

  /**
   * Once per process: leases left by processes of this host that no longer run (killed mid-poll)
   * are given back at once, so a restarted worker polls those feeds now rather than after the
   * lease. (A lease of another host runs out on its own.)
   */
  private async recoverLeases(): Promise<void> {
    if (this.recovered) return;
    this.recovered = true;
    const host = os.hostname();
    for (const owner of await this.feeds.leaseOwners()) {
      const m = /^(.*):(\d+):[^:]+$/.exec(owner);
      if (!m || m[1] !== host || Number(m[2]) === process.pid || processAlive(Number(m[2]))) continue;
      const n = await this.feeds.releaseAll(owner);
      if (n) this.log.info({ owner, feeds: n }, `took back ${n} feed lease${n === 1 ? '' : 's'} of a process that stopped mid-poll`);
    }
  }

  /** A feed leased for a poll is another worker's to take only after this (a worker that died mid-poll). */
  private get leaseMs(): number {
    return this.deadlineMs * 2;
  }

  /**
   * Polls the given feeds (default: all active ones) and resolves when every one has finished
   * or was cut off. Each is leased first: a feed another worker is polling right now is left to
   * it (reported as skipped).
   */
  async pollAll(feeds?: FeedRow[], onDone?: (result: FeedPollResult, done: number, total: number) => void): Promise<FeedPollResult[]> {
    await this.recoverLeases();
    const list = feeds ?? (await this.feeds.active());
    const generation = this.generation;
    const now = this.clock();
    const claimed = new Set(list.length ? (await this.feeds.claim(this.owner, now, now + this.leaseMs, list.length, list.map((f) => f.id))).map((f) => f.id) : []);
    let done = 0;
    return Promise.all(
      list.map((f) =>
        this.limit(() => {
          if (generation !== this.generation) return this.release({ ...baseResult(f), error: 'not polled: the worker is stopping' });
          if (!claimed.has(f.id)) return Promise.resolve({ ...baseResult(f), error: 'not polled: another worker is polling it now' });
          return this.pollOne(f);
        }).then((r) => {
          onDone?.(r, ++done, list.length);
          return r;
        }),
      ),
    );
  }

  /**
   * Polls the feeds whose next poll time has come, taking them a few at a time as polls finish
   * (as many as may run at once): several workers on one database share the due feeds this way,
   * each taking the next ones no other holds.
   */
  async pollDue(): Promise<FeedPollResult[]> {
    await this.recoverLeases();
    const generation = this.generation;
    const concurrency = this.options.concurrency;
    const results: FeedPollResult[] = [];
    const running = new Set<Promise<void>>();
    // Leased a few more than are polled at once, so one claim serves several polls.
    const queue: FeedRow[] = [];
    let exhausted = false;
    for (;;) {
      const stopping = generation !== this.generation;
      if (!exhausted && !stopping && queue.length < concurrency) {
        const now = this.clock();
        const claimed = (await this.feeds.claim(this.owner, now, now + this.leaseMs, 2 * concurrency - queue.length)).filter((f) => !this.inFlight.has(f.id));
        if (!claimed.length) exhausted = true;
        queue.push(...claimed);
      }
      if (stopping) {
        // Not started: their leases go back for the next start (or another worker).
        for (const f of queue.splice(0)) await this.release(baseResult(f));
      }
      while (running.size < concurrency && queue.length) {
        const f = queue.shift()!;
        const p: Promise<void> = this.pollOne(f).then(
          (r) => {
            results.push(r);
            running.delete(p);
          },
          () => void running.delete(p),
        );
        running.add(p);
      }
      if (!running.size) break;
      await Promise.race(running);
    }
    return results;
  }

  /** Gives the lease of a feed not polled back at once (else others wait for it to run out). */
  private async release(result: FeedPollResult): Promise<FeedPollResult> {
    await this.feeds.release(result.feedId, this.owner).catch(() => undefined);
    return result;
  }

  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  /**
   * Stops every poll in progress now (the worker is stopping): each ends as 'skipped', its
   * transfer aborted, nothing recorded against the feed; feeds queued behind them are not started.
   */
  cutAll(): number {
    this.generation++;
    const runs = [...this.inFlight.values()];
    for (const run of runs) run.stop();
    return runs.length;
  }

  async pollOne(feed: FeedRow): Promise<FeedPollResult> {
    if (this.inFlight.has(feed.id)) return baseResult(feed);
    const result = await this.pollOnce(feed);
    // Not polled to the end (stopping, removed, the database busy): the lease goes back at once,
    // so the next poll (by this worker or another) need not wait for it to run out.
    if (result.status === 'skipped') await this.release(result);
    return result;
  }

  private async pollOnce(feed: FeedRow): Promise<FeedPollResult> {
    const base = baseResult(feed);
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let stop!: () => void;
    const stopped = new Promise<'stopped'>((resolve) => (stop = () => resolve('stopped')));
    const run: Run = { cut: false, abort: new AbortController(), stop };
    this.inFlight.set(feed.id, run);
    const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), this.deadlineMs)));
    const work = this.work(feed, base, started, run);
    try {
      const outcome = await Promise.race([work, deadline, stopped]);
      if (typeof outcome === 'object') return outcome;
      // Cut off: the stray work is ignored (it checks `run.cut` before any write) and its transfer aborted.
      run.cut = true;
      run.abort.abort();
      work.catch(() => undefined);
      const durationMs = performance.now() - started;
      if (outcome === 'stopped') {
        this.log.info({ feed: feed.url }, 'feed poll stopped: the worker is stopping; polled again at the next start');
        return { ...base, status: 'skipped', error: 'stopped: the worker is stopping', durationMs };
      }
      const e = new FeedError('timeout', `no result within ${formatSeconds(this.deadlineMs)} (fetch, parse and store); cut off`);
      const nextPollAt = await this.recordFailure(feed, e);
      this.log.warn({ feed: feed.url, kind: e.kind, failures: feed.error_count + 1, retryAt: new Date(nextPollAt).toISOString() }, `feed failed: ${e.message}`);
      return { ...base, status: 'error', errorKind: e.kind, error: e.message, cutOff: true, durationMs };
    } finally {
      clearTimeout(timer);
      this.metrics?.pollDuration.observe((performance.now() - started) / 1000);
      if (this.inFlight.get(feed.id) === run) this.inFlight.delete(feed.id);
    }
  }

  /** Stores a feed's failure with its backoff; returns when it is polled again. */
  private async recordFailure(feed: FeedRow, e: FeedError): Promise<number> {
    const interval = feed.interval_ms ?? this.options.defaultIntervalMs;
    const now = this.clock();
    const nextPollAt = now + backoffDelay(feed.error_count + 1, interval, this.options.maxBackoffMs);
    await retryOnLock(() => this.feeds.recordFailure(feed.id, { kind: e.kind, message: e.message, now, nextPollAt })).catch((dbErr: unknown) =>
      this.log.warn({ feed: feed.url, err: (dbErr as Error).message }, 'feed failure not recorded: the database stayed locked'),
    );
    this.metrics?.polls.inc({ result: 'error' });
    this.metrics?.fetchErrors.inc({ kind: e.kind });
    return nextPollAt;
  }

  /** The poll itself: nothing is written once `run.cut` is set (the result is no longer wanted). */
  private async work(feed: FeedRow, base: FeedPollResult, started: number, run: Run): Promise<FeedPollResult> {
    const interval = feed.interval_ms ?? this.options.defaultIntervalMs;
    const cutResult = (): FeedPollResult => ({ ...base, status: 'skipped', error: 'cut off', durationMs: performance.now() - started });
    try {
      const policy = this.options.policy ? { policy: this.options.policy, trustedHost: hostOf(feed.url) } : undefined;
      const res = await fetchResource(feed.url, this.options.limits, { etag: feed.etag, lastModified: feed.last_modified }, undefined, policy, run.abort.signal);
      if (run.cut) return cutResult();
      const now = this.clock();
      if (res.status === 'not-modified') {
        await retryOnLock(async () => {
          if (!run.cut) await this.feeds.recordSuccess(feed.id, { status: 'not-modified', now, nextPollAt: now + interval });
        });
        if (run.cut) return cutResult();
        this.metrics?.polls.inc({ result: 'not-modified' });
        return { ...base, status: 'not-modified', durationMs: performance.now() - started };
      }
      const { text } = decodeBody(res.bytes, res.contentType);
      // Relative links resolve against the document's own URL: Content-Location, else where it was fetched.
      const { feed: parsed, repaired } = await this.parse(text, { baseUrl: baseOf(res) });
      if (run.cut) return cutResult();
      const parsedTitle = typeof parsed.title === 'string' ? parsed.title.trim() : '';
      const format = (parsed as { format?: unknown }).format;
      const result: FeedPollResult = { ...base, status: 'ok', repaired, title: feed.title ?? (parsedTitle || null), ...(typeof format === 'string' ? { format } : {}) };
      // All of a feed's items land, or none do.
      const feedSource = feed.title ?? (parsedTitle || null);
      const items = Array.isArray(parsed.items) ? parsed.items : [];
      // Read before the write, so the transaction holds the lock only for the writes.
      const skipped = new SkipCounter(parserSkips(parsed));
      const normalised: NormalisedItem[] = [];
      for (const item of items.slice(0, MAX_ITEMS)) {
        // One item that cannot be read is skipped and counted (with normalise's reason), never the feed.
        let r: ReturnType<typeof normaliseItemResult>;
        try {
          r = normaliseItemResult(item, res.url, now);
        } catch (err) {
          r = { skipped: `unreadable item: ${(err as Error).message ?? String(err)}` };
        }
        if ('skipped' in r) {
          skipped.add(oneLine(r.skipped));
          continue;
        }
        normalised.push(r.item);
      }
      let removed = false;
      // Committed with the feeds that finish at the same moment (still all or nothing per feed);
      // the transaction takes the write lock first, so a second process makes it wait, never fail half-way.
      await this.writes.run(async (tx) => {
        // Cut off while it waited for the lock: the feed is already recorded as failed.
        if (run.cut) return;
        const feeds = new FeedRepo(tx);
        // Removed (by the CLI, another process) while it was being fetched: nothing to store.
        if (!(await feeds.byId(feed.id))) return void (removed = true);
        result.items = normalised.length;
        result.newIds = [];
        result.updatedIds = [];
        for (const { id, outcome } of await new ArticleRepo(tx).upsertMany(feed.id, normalised, now, feedSource)) {
          if (outcome === 'new') result.newIds.push(id);
          else if (outcome === 'updated') result.updatedIds.push(id);
        }
        if (skipped.count) result.skipped = skipped.value();
        await feeds.recordSuccess(feed.id, {
          status: 'ok',
          etag: res.etag,
          lastModified: res.lastModified,
          title: parsedTitle || undefined,
          now,
          nextPollAt: now + interval,
          skipped: { count: skipped.count, reason: skipped.count ? describeSkipped(skipped.value()) : null },
        });
      });
      if (run.cut) return cutResult();
      this.health?.writeSucceeded();
      if (removed) {
        this.log.info({ feed: feed.url }, 'feed removed while it was polled; its items were not stored');
        return { ...base, status: 'skipped', durationMs: performance.now() - started };
      }
      this.metrics?.polls.inc({ result: 'ok' });
      this.metrics?.articlesStored.inc({ change: 'new' }, result.newIds.length);
      this.metrics?.articlesStored.inc({ change: 'updated' }, result.updatedIds.length);
      if (items.length > MAX_ITEMS) this.log.warn({ feed: feed.url, items: items.length }, `feed has ${items.length} items: only the first ${MAX_ITEMS} are read`);
      if (repaired) this.log.warn({ feed: feed.url }, 'feed XML was invalid; parsed after lenient repair');
      if (result.skipped) this.log.warn({ feed: feed.url, skipped: result.skipped.reasons }, describeSkipped(result.skipped));
      return { ...result, durationMs: performance.now() - started };
    } catch (err) {
      if (run.cut) return cutResult();
      if (isLockError(err)) {
        // The database was busy, the feed is fine: nothing was stored, no backoff; the next tick polls it again.
        this.log.warn({ feed: feed.url }, 'feed not stored: the database stayed locked; polled again at the next tick');
        return { ...base, status: 'skipped', error: (err as Error).message, durationMs: performance.now() - started };
      }
      if (isDatabaseError(err)) {
        // Disk full, I/O error, corruption: the database's problem, not the feed's. Reported by /healthz.
        this.health?.writeFailed(err);
        this.log.error({ feed: feed.url, code: (err as { code?: string }).code }, `feed not stored: database error: ${(err as Error).message}`);
        return { ...base, status: 'skipped', error: (err as Error).message, durationMs: performance.now() - started };
      }
      const e = err instanceof FeedError ? err : new FeedError('parse', (err as Error).message, { cause: err });
      const nextPollAt = await this.recordFailure(feed, e);
      this.log.warn({ feed: feed.url, kind: e.kind, failures: feed.error_count + 1, retryAt: new Date(nextPollAt).toISOString() }, `feed failed: ${e.message}`);
      return { ...base, status: 'error', errorKind: e.kind, error: e.message, durationMs: performance.now() - started };
    }
  }
}

function baseResult(feed: FeedRow): FeedPollResult {
  return { feedId: feed.id, url: feed.url, title: feed.title, status: 'skipped', items: 0, newIds: [], updatedIds: [], repaired: false, durationMs: 0 };
}

class SkipCounter {
  count = 0;
  private readonly reasons: Record<string, number> = {};
  constructor(initial: { reason: string; count: number }[] = []) {
    for (const s of initial) this.add(s.reason, s.count);
  }
  add(reason: string, n = 1): void {
    if (n <= 0) return;
    this.count += n;
    this.reasons[reason] = (this.reasons[reason] ?? 0) + n;
  }
  value(): SkippedItems {
    return { count: this.count, reasons: { ...this.reasons } };
  }
}

/**
 * Items the parser itself could not read, if it says so (`feed.skipped`: a count, a list of
 * reasons or of `{ reason, count }`); nothing when it does not.
 */
function parserSkips(parsed: unknown): { reason: string; count: number }[] {
  const s = (parsed as { skipped?: unknown } | null)?.skipped;
  if (typeof s === 'number') return [{ reason: 'unreadable item', count: s }];
  if (Array.isArray(s)) {
    return s.map((x) => {
      if (typeof x === 'string') return { reason: oneLine(x), count: 1 };
      const o = (x ?? {}) as { reason?: unknown; message?: unknown; count?: unknown };
      const reason = typeof o.reason === 'string' ? o.reason : typeof o.message === 'string' ? o.message : 'unreadable item';
      return { reason: oneLine(reason), count: typeof o.count === 'number' ? o.count : 1 };
    });
  }
  if (s && typeof s === 'object') {
    const o = s as { count?: unknown; reasons?: unknown };
    if (o.reasons && typeof o.reasons === 'object') return Object.entries(o.reasons as Record<string, unknown>).map(([reason, n]) => ({ reason: oneLine(reason), count: typeof n === 'number' ? n : 1 }));
    if (typeof o.count === 'number') return [{ reason: 'unreadable item', count: o.count }];
  }
  return [];
}

/** "2 items skipped: no link", "3 items skipped: 2 no link, 1 unreadable item: …". */
export function describeSkipped(s: SkippedItems): string {
  const entries = Object.entries(s.reasons).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = entries.slice(0, 3);
  const reasons = entries.length === 1 ? shown[0]![0] : shown.map(([r, n]) => `${n} ${r}`).join(', ') + (entries.length > 3 ? `, ${entries.length - 3} other reasons` : '');
  return `${s.count} ${s.count === 1 ? 'item' : 'items'} skipped: ${reasons}`;
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 160 ? `${t.slice(0, 159)}…` : t;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Items read from one answer of a feed at most (a real feed has tens; an archive dump is not news). */
const MAX_ITEMS = 1000;

function baseOf(res: { url: string; contentLocation?: string | null }): string {
  if (!res.contentLocation) return res.url;
  try {
    return new URL(res.contentLocation, res.url).href;
  } catch {
    return res.url;
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** Failures 1, 2, 3… wait interval × 1, 2, 4… capped: a broken feed is retried, less and less often. */
export function backoffDelay(failures: number, intervalMs: number, maxMs: number): number {
  return Math.min(maxMs, intervalMs * 2 ** Math.max(0, failures - 1));
}
