import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics, on a registry of their own so tests and several instances do not collide. */
export class Metrics {
  readonly registry = new Registry();
  readonly polls = new Counter({ name: 'news_digest_polls_total', help: 'Feed polls by result', labelNames: ['result'] as const, registers: [this.registry] });
  readonly fetchErrors = new Counter({ name: 'news_digest_fetch_errors_total', help: 'Feed fetch/parse errors by kind', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly articlesStored = new Counter({ name: 'news_digest_articles_stored_total', help: 'Articles stored, new or updated', labelNames: ['change'] as const, registers: [this.registry] });
  readonly pollDuration = new Histogram({ name: 'news_digest_poll_duration_seconds', help: 'Time to fetch, parse and store one feed', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30], registers: [this.registry] });
  readonly messagesSent = new Counter({ name: 'news_digest_messages_sent_total', help: 'Digest message parts sent', labelNames: ['platform'] as const, registers: [this.registry] });
  readonly deliveryErrors = new Counter({ name: 'news_digest_delivery_errors_total', help: 'Digest delivery errors by platform and kind', labelNames: ['platform', 'kind'] as const, registers: [this.registry] });

  constructor(withDefaults = false) {
    if (withDefaults) collectDefaultMetrics({ register: this.registry });
  }
}
