import type { LoadedConfig } from './config/load.js';
import type { DB } from './db/open.js';
import type { FeedRow } from './db/feeds.js';
import type { Logger } from './logger.js';
import type { FeedPollResult, Poller } from './ingest/poller.js';

export interface PollReport {
  feeds: FeedPollResult[];
  newArticles: number;
  updatedArticles: number;
  failedFeeds: number;
  durationMs: number;
}

/** One run of the data flow: poll feeds, then process what they brought. */
export class Pipeline {
  constructor(
    readonly db: DB,
    readonly config: LoadedConfig,
    readonly poller: Poller,
    readonly log: Logger,
    readonly clock: () => number,
  ) {}

  async poll(feeds?: FeedRow[]): Promise<PollReport> {
    const started = performance.now();
    const results = feeds ? await this.poller.pollAll(feeds) : await this.poller.pollAll();
    return this.report(results, started);
  }

  async pollDue(): Promise<PollReport> {
    const started = performance.now();
    return this.report(await this.poller.pollDue(), started);
  }

  private report(results: FeedPollResult[], started: number): PollReport {
    return {
      feeds: results,
      newArticles: results.reduce((n, r) => n + r.newIds.length, 0),
      updatedArticles: results.reduce((n, r) => n + r.updatedIds.length, 0),
      failedFeeds: results.filter((r) => r.status === 'error').length,
      durationMs: performance.now() - started,
    };
  }
}
