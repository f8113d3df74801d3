import type { Store } from './db/store.js';
import { HealthQueries } from './db/health.js';
import { FeedRepo } from './db/feeds.js';

export interface HealthLimits {
  /** A poll run that has not finished (or not started again) for this long is stalled. */
  pollStallMs: number;
  /** A digest still undelivered this long after it was built means delivery is stuck. */
  digestBacklogMs: number;
  /** An article stored this long ago and still not processed means processing is stuck. */
  processingLagMs: number;
}

export const DEFAULT_HEALTH_LIMITS: HealthLimits = { pollStallMs: 15 * 60_000, digestBacklogMs: 60 * 60_000, processingLagMs: 30 * 60_000 };

/** Polling intervals without a completed poll after which the worker is stalled. */
export const STALLED_AFTER_INTERVALS = 3;
/** Failing feeds named in /healthz at most (the count is always given). */
const FAILING_SHOWN = 10;

export interface HealthReport {
  status: 'ok' | 'error';
  problems: string[];
  [key: string]: unknown;
}

/**
 * The worker's honest answer to "are you working?": the database readable and writable (the
 * last write error is remembered until a write succeeds again), its integrity checked at start,
 * polls running, and neither articles nor digests piling up beyond a limit.
 */
export class HealthMonitor {
  private readonly queries: HealthQueries;
  private readonly feeds: FeedRepo;
  private integrity = 'not checked';
  private writeError: { at: number; message: string } | undefined;
  private pollStartedAt: number | undefined;
  private pollFinishedAt: number | undefined;

  private readonly limits: HealthLimits;

  constructor(
    private readonly store: Store,
    private readonly clock: () => number = Date.now,
    limits: HealthLimits = DEFAULT_HEALTH_LIMITS,
  ) {
    this.queries = new HealthQueries(store);
    this.feeds = new FeedRepo(store);
    this.limits = { ...limits };
  }

  /**
   * The worker polls every `intervalMs` (config polling.interval): no poll completed for three
   * intervals means it is stalled.
   */
  expectPollsEvery(intervalMs: number): void {
    this.limits.pollStallMs = STALLED_AFTER_INTERVALS * intervalMs;
  }

  /** `PRAGMA quick_check` on SQLite (run once at the worker's start): 'ok' or what is damaged. */
  async checkIntegrity(): Promise<string> {
    try {
      this.integrity = await this.queries.quickCheck(this.store);
    } catch (err) {
      this.integrity = (err as Error).message;
    }
    return this.integrity;
  }

  writeFailed(err: unknown): void {
    this.writeError = { at: this.clock(), message: (err as Error).message };
  }

  writeSucceeded(): void {
    this.writeError = undefined;
  }

  pollStarted(): void {
    this.pollStartedAt = this.clock();
  }

  pollFinished(): void {
    this.pollFinishedAt = this.clock();
  }

  async report(): Promise<HealthReport> {
    const now = this.clock();
    const problems: string[] = [];
    const iso = (t: number | null | undefined) => (t ? new Date(t).toISOString() : null);
    const body: Record<string, unknown> = {};
    try {
      await this.queries.ping();
      body.database = 'ok';
    } catch (err) {
      body.database = (err as Error).message;
      problems.push(`database unreadable: ${(err as Error).message}`);
      return { status: 'error', problems, ...body };
    }
    if (this.integrity !== 'ok' && this.integrity !== 'not checked') problems.push(`integrity check failed: ${this.integrity}`);
    if (this.writeError) problems.push(`database write failed at ${iso(this.writeError.at)}: ${this.writeError.message}`);
    if (this.pollStartedAt !== undefined) {
      const running = this.pollFinishedAt === undefined || this.pollFinishedAt < this.pollStartedAt;
      const since = running ? this.pollStartedAt : this.pollFinishedAt!;
      const limit = `limit ${Math.round(this.limits.pollStallMs / 1000)} s`;
      if (now - since > this.limits.pollStallMs) {
        problems.push(
          running
            ? `a poll has been running since ${iso(this.pollStartedAt)}${this.pollFinishedAt ? `; the last one completed at ${iso(this.pollFinishedAt)}` : ''} (${limit})`
            : `no poll since ${iso(this.pollFinishedAt)} (${limit})`,
        );
      }
      body.lastPollCompletedAt = iso(this.pollFinishedAt);
    }
    try {
      const articles = await this.queries.articleBacklog();
      if (articles.oldestSeenAt !== null && now - articles.oldestSeenAt > this.limits.processingLagMs) {
        problems.push(`${articles.count} articles wait to be processed, the oldest since ${iso(articles.oldestSeenAt)}`);
      }
      const digests = await this.queries.digestBacklog();
      if (digests.oldestCreatedAt !== null && now - digests.oldestCreatedAt > this.limits.digestBacklogMs) {
        problems.push(`${digests.count} digests wait to be delivered, the oldest since ${iso(digests.oldestCreatedAt)}`);
      }
      const lastPoll = await this.feeds.lastPollAt();
      Object.assign(body, {
        integrity: this.integrity,
        lastPollAt: iso(lastPoll),
        failingFeeds: await this.feeds.failingCount(),
        // A broken feed is the feed's problem, not the worker's: named here, not a reason for 503.
        failing: (await this.feeds.failing(FAILING_SHOWN)).map((f) => ({ url: f.url, status: f.last_status, error: f.last_error, failures: f.error_count, lastPolledAt: iso(f.last_polled_at), retryAt: iso(f.next_poll_at) })),
        pendingArticles: articles.count,
        pendingDigests: digests.count,
        oldestPendingDigest: iso(digests.oldestCreatedAt),
        // Given up: an operator decision (`outbox resend`), not a fault of the running worker.
        deadDigests: await this.queries.deadDigests(),
      });
    } catch (err) {
      // A damaged file can pass the ping and fail the next query.
      problems.push(`database query failed: ${(err as Error).message}`);
    }
    return { status: problems.length ? 'error' : 'ok', problems, ...body };
  }

  /** What is due next: the start-up line "next poll 14:05 UTC, next digest 08:00 Europe/Kyiv". */
  async nextDue(): Promise<{ poll?: { at: number; feeds: number }; digest?: { at: number; timezone: string; platform: string; chatId: string } }> {
    return { poll: await this.queries.nextFeedPoll(), digest: await this.queries.nextDigest() };
  }

  /** For /metrics: the backlogs and their ages in seconds (0 when empty). */
  async backlog(): Promise<{ pendingArticles: number; processingLagSeconds: number; pendingDigests: number; oldestPendingDigestSeconds: number; deadDigests: number }> {
    const now = this.clock();
    const a = await this.queries.articleBacklog();
    const d = await this.queries.digestBacklog();
    return {
      pendingArticles: a.count,
      processingLagSeconds: a.oldestSeenAt === null ? 0 : Math.max(0, (now - a.oldestSeenAt) / 1000),
      pendingDigests: d.count,
      oldestPendingDigestSeconds: d.oldestCreatedAt === null ? 0 : Math.max(0, (now - d.oldestCreatedAt) / 1000),
      deadDigests: await this.queries.deadDigests(),
    };
  }
}
