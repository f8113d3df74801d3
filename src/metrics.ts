import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The backlogs /metrics reports, read from the database at scrape time. */
export interface Backlog {
  pendingArticles: number;
  processingLagSeconds: number;
  pendingDigests: number;
  oldestPendingDigestSeconds: number;
  deadDigests: number;
}

/** Prometheus metrics, on a registry of their own so tests and several instances do not collide. */
export class Metrics {
  readonly registry = new Registry();
  readonly polls = new Counter({ name: 'news_digest_polls_total', help: 'Feed polls by result', labelNames: ['result'] as const, registers: [this.registry] });
  readonly fetchErrors = new Counter({ name: 'news_digest_fetch_errors_total', help: 'Feed fetch/parse errors by kind', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly articlesStored = new Counter({ name: 'news_digest_articles_stored_total', help: 'Articles stored, new or updated', labelNames: ['change'] as const, registers: [this.registry] });
  readonly pollDuration = new Histogram({ name: 'news_digest_poll_duration_seconds', help: 'Time to fetch, parse and store one feed', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30], registers: [this.registry] });
  readonly messagesSent = new Counter({ name: 'news_digest_messages_sent_total', help: 'Digest message parts sent', labelNames: ['platform'] as const, registers: [this.registry] });
  readonly deliveryErrors = new Counter({ name: 'news_digest_delivery_errors_total', help: 'Digest delivery errors by platform and kind', labelNames: ['platform', 'kind'] as const, registers: [this.registry] });

  readonly stageDuration = new Histogram({
    name: 'news_digest_stage_duration_seconds',
    help: 'Duration of one run of a pipeline stage (poll: fetch and store due feeds; process: topics, pages, stories; summarise; send: the outbox)',
    labelNames: ['stage'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private backlogSource: (() => Promise<Backlog>) | undefined;
  /** One read of the backlog serves every gauge of a scrape. */
  private backlogRead: { at: number; value: Promise<Backlog> } | undefined;
  private readonly gauges = (
    [
      ['news_digest_pending_articles', 'Articles stored and not processed yet', 'pendingArticles'],
      ['news_digest_processing_lag_seconds', 'Age of the oldest article not processed yet', 'processingLagSeconds'],
      ['news_digest_pending_digests', 'Digests built and not delivered yet', 'pendingDigests'],
      ['news_digest_oldest_pending_digest_seconds', 'Age of the oldest digest not delivered yet', 'oldestPendingDigestSeconds'],
      ['news_digest_dead_digests', 'Digests given up after retrying for delivery.retryFor (outbox resend queues them again)', 'deadDigests'],
    ] as const
  ).map(([name, help, key]) => {
    const metrics = this;
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        try {
          const b = await metrics.readBacklog();
          if (b) this.set(b[key]);
        } catch {
          // A damaged database: /healthz reports it; the other metrics are still served.
        }
      },
    });
  });

  /** Where the backlog gauges read from (the worker's health monitor). */
  watchBacklog(source: () => Promise<Backlog>): void {
    this.backlogSource = source;
  }

  private readBacklog(): Promise<Backlog> | undefined {
    if (!this.backlogSource) return undefined;
    const now = Date.now();
    if (!this.backlogRead || now - this.backlogRead.at > 500) this.backlogRead = { at: now, value: this.backlogSource() };
    return this.backlogRead.value;
  }

  /** Times a stage run into the stage histogram. */
  async time<T>(stage: string, run: () => Promise<T> | T): Promise<T> {
    const end = this.stageDuration.startTimer({ stage });
    try {
      return await run();
    } finally {
      end();
    }
  }

  private processMetrics = false;

  constructor(withDefaults = false) {
    if (withDefaults) this.enableProcessMetrics();
  }

  /** prom-client's process metrics (CPU, memory, event loop lag, handles), once per registry. */
  enableProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }
}
