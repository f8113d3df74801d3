import pLimit from 'p-limit';
import type { DB } from '../db/open.js';
import { FeedRepo, type FeedRow } from '../db/feeds.js';
import { ArticleRepo } from '../db/articles.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { decodeBody } from './charset.js';
import { FeedError } from './errors.js';
import { fetchResource, type FetchLimits } from './fetch.js';
import type { AddressPolicy } from './address-policy.js';
import { isDatabaseError, isLockError, retryOnLock } from '../db/lock-retry.js';
import type { HealthMonitor } from '../health.js';
import { normaliseItem } from './normalise.js';
import { parseFeed } from './parse.js';

export interface PollOptions {
  limits: FetchLimits;
  concurrency: number;
  defaultIntervalMs: number;
  maxBackoffMs: number;
  /** Redirects of a feed to other hosts are checked against it (the feed's own host is the operator's choice). */
  policy?: AddressPolicy;
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
  durationMs: number;
}

/**
 * Polls feeds: fetch (conditional GET) → decode → parse → normalise → store. Feeds run
 * concurrently up to a limit; one feed is never polled twice at once; a failure is stored on
 * its feed and backs off exponentially without touching the others.
 */
export class Poller {
  private readonly feeds: FeedRepo;
  private readonly articles: ArticleRepo;
  private readonly inFlight = new Set<number>();
  private readonly limit;

  constructor(
    private readonly db: DB,
    private readonly options: PollOptions,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
    private readonly clock: () => number = Date.now,
    private readonly health?: HealthMonitor,
  ) {
    this.feeds = new FeedRepo(db);
    this.articles = new ArticleRepo(db);
    this.limit = pLimit(options.concurrency);
  }

  /** Polls the given feeds (default: all) and resolves when every one has finished. */
  pollAll(feeds: FeedRow[] = this.feeds.list()): Promise<FeedPollResult[]> {
    return Promise.all(feeds.map((f) => this.limit(() => this.pollOne(f))));
  }

  /** Polls the feeds whose next poll time has come. */
  pollDue(): Promise<FeedPollResult[]> {
    return this.pollAll(this.feeds.due(this.clock()).filter((f) => !this.inFlight.has(f.id)));
  }

  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  async pollOne(feed: FeedRow): Promise<FeedPollResult> {
    const base: FeedPollResult = { feedId: feed.id, url: feed.url, title: feed.title, status: 'skipped', items: 0, newIds: [], updatedIds: [], repaired: false, durationMs: 0 };
    if (this.inFlight.has(feed.id)) return base;
    this.inFlight.add(feed.id);
    const started = performance.now();
    const interval = feed.interval_ms ?? this.options.defaultIntervalMs;
    try {
      const policy = this.options.policy ? { policy: this.options.policy, trustedHost: hostOf(feed.url) } : undefined;
      const res = await fetchResource(feed.url, this.options.limits, { etag: feed.etag, lastModified: feed.last_modified }, undefined, policy);
      const now = this.clock();
      if (res.status === 'not-modified') {
        await retryOnLock(() => this.feeds.recordSuccess(feed.id, { status: 'not-modified', now, nextPollAt: now + interval }));
        this.metrics?.polls.inc({ result: 'not-modified' });
        return { ...base, status: 'not-modified', durationMs: performance.now() - started };
      }
      const { text } = decodeBody(res.bytes, res.contentType);
      const { feed: parsed, repaired } = await parseFeed(text);
      const result = { ...base, status: 'ok' as const, repaired, title: feed.title ?? parsed.title?.trim() ?? null };
      // One transaction per feed: all of its items land, or none do.
      const feedSource = feed.title ?? (parsed.title?.trim() || null);
      // IMMEDIATE: the write lock is taken first, so a second process makes this wait (and retry),
      // never fail half-way with a stale snapshot.
      let removed = false;
      const store = this.db.transaction(() => {
        // Removed (by the CLI, another process) while it was being fetched: nothing to store.
        if (!this.feeds.byId(feed.id)) return void (removed = true);
        result.items = 0;
        result.newIds = [];
        result.updatedIds = [];
        for (const item of parsed.items.slice(0, MAX_ITEMS)) {
          const normalised = normaliseItem(item, res.url, now);
          if (!normalised) continue;
          result.items++;
          const { id, outcome } = this.articles.upsert(feed.id, normalised, now, feedSource);
          if (outcome === 'new') result.newIds.push(id);
          else if (outcome === 'updated') result.updatedIds.push(id);
        }
        this.feeds.recordSuccess(feed.id, { status: 'ok', etag: res.etag, lastModified: res.lastModified, title: parsed.title?.trim() || undefined, now, nextPollAt: now + interval });
      });
      await retryOnLock(() => store.immediate());
      this.health?.writeSucceeded();
      if (removed) {
        this.log.info({ feed: feed.url }, 'feed removed while it was polled; its items were not stored');
        return { ...base, status: 'skipped', durationMs: performance.now() - started };
      }
      this.metrics?.polls.inc({ result: 'ok' });
      this.metrics?.articlesStored.inc({ change: 'new' }, result.newIds.length);
      this.metrics?.articlesStored.inc({ change: 'updated' }, result.updatedIds.length);
      if (parsed.items.length > MAX_ITEMS) this.log.warn({ feed: feed.url, items: parsed.items.length }, `feed has ${parsed.items.length} items: only the first ${MAX_ITEMS} are read`);
      if (repaired) this.log.warn({ feed: feed.url }, 'feed XML was invalid; parsed after lenient repair');
      return { ...result, durationMs: performance.now() - started };
    } catch (err) {
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
      const now = this.clock();
      const nextPollAt = now + backoffDelay(feed.error_count + 1, interval, this.options.maxBackoffMs);
      await retryOnLock(() => this.feeds.recordFailure(feed.id, { kind: e.kind, message: e.message, now, nextPollAt })).catch((dbErr: unknown) =>
        this.log.warn({ feed: feed.url, err: (dbErr as Error).message }, 'feed failure not recorded: the database stayed locked'),
      );
      this.metrics?.polls.inc({ result: 'error' });
      this.metrics?.fetchErrors.inc({ kind: e.kind });
      this.log.warn({ feed: feed.url, kind: e.kind, failures: feed.error_count + 1, retryAt: new Date(nextPollAt).toISOString() }, `feed failed: ${e.message}`);
      return { ...base, status: 'error', errorKind: e.kind, error: e.message, durationMs: performance.now() - started };
    } finally {
      this.metrics?.pollDuration.observe((performance.now() - started) / 1000);
      this.inFlight.delete(feed.id);
    }
  }
}

/** Items read from one answer of a feed at most (a real feed has tens; an archive dump is not news). */
const MAX_ITEMS = 1000;

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
