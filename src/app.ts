import type { LoadedConfig } from './config/load.js';
import { Store } from './db/store.js';
import { FeedRepo } from './db/feeds.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { Poller } from './ingest/poller.js';
import { Pipeline } from './pipeline.js';
import { AddressPolicy } from './ingest/address-policy.js';
import { HealthMonitor } from './health.js';
import { DeliveryService } from './delivery/service.js';

/** Everything a command or the worker needs, built once from the config. */
export interface App {
  config: LoadedConfig;
  /** The database (SQLite file or PostgreSQL). */
  db: Store;
  log: Logger;
  metrics: Metrics;
  poller: Poller;
  pipeline: Pipeline;
  delivery: DeliveryService;
  health: HealthMonitor;
  clock: () => number;
  close(): Promise<void>;
}

export async function createApp(
  config: LoadedConfig,
  log: Logger,
  options: {
    dbPath?: string;
    clock?: () => number;
    metrics?: Metrics;
    sleep?: (ms: number) => Promise<void>;
    owner?: string;
    /** Read commands: the database must exist already, and the config's feeds are not added to it. */
    existing?: boolean;
    /** Apply the config's feeds to the database (run, poll; default unless `existing`). */
    seedFeeds?: boolean;
  } = {},
): Promise<App> {
  const clock = options.clock ?? Date.now;
  const db = await Store.open(options.dbPath ?? config.database, { mustExist: options.existing });
  const metrics = options.metrics ?? new Metrics();
  if (options.seedFeeds ?? !options.existing) {
    const disabled = await new FeedRepo(db).seed(config.feeds, clock());
    for (const url of disabled) log.info({ feed: url }, `feed ${url} is no longer in the config: not polled any more (its articles are kept; \`feeds remove\` deletes them)`);
  }
  const policy = new AddressPolicy(config.fetch.allowHosts);
  const health = new HealthMonitor(db, clock);
  metrics.watchBacklog(() => health.backlog());
  const poller = new Poller(
    db,
    {
      limits: { timeoutMs: config.fetch.timeout, maxBytes: config.fetch.maxBytes, maxRedirects: config.fetch.maxRedirects, userAgent: config.fetch.userAgent },
      concurrency: config.fetch.concurrency,
      defaultIntervalMs: config.polling.interval,
      maxBackoffMs: config.polling.maxBackoff,
      policy,
    },
    log,
    metrics,
    clock,
    health,
  );
  const pipeline = new Pipeline(db, config, poller, log, clock, policy, { metrics, health });
  const delivery = new DeliveryService(db, config, log, metrics, { clock, sleep: options.sleep, owner: options.owner, idf: (tx) => pipeline.idf(tx) });
  return {
    config,
    db,
    log,
    metrics,
    poller,
    pipeline,
    delivery,
    health,
    clock,
    close: async () => {
      await pipeline.role.release();
      await db.close();
      // Kept-alive connections of the checked pool would hold the process open for seconds.
      void policy.dispatcher.destroy();
    },
  };
}
