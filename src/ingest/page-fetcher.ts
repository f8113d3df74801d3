import pLimit from 'p-limit';
import { fetchArticleText } from './article-text.js';
import type { AddressPolicy } from './address-policy.js';
import type { FetchLimits } from './fetch.js';

export type PageResult = { text: string; error: null } | { text: null; error: string };

/**
 * Fetches article pages in a small pool of its own, apart from the feed polls, so a slow site
 * delays the few articles that wait for its pages and nothing else. A page already being fetched
 * is not fetched twice. Every URL passes the address policy (it comes from a feed's item).
 */
export class PageFetcher {
  private readonly limit;
  private readonly inFlight = new Map<number, Promise<PageResult>>();

  constructor(
    private readonly limits: FetchLimits,
    private readonly policy: AddressPolicy,
    concurrency: number,
  ) {
    this.limit = pLimit(concurrency);
  }

  /** The page of an article: the running fetch if there is one, else a new one in the pool. */
  fetch(articleId: number, url: string): Promise<PageResult> {
    let p = this.inFlight.get(articleId);
    if (!p) {
      p = this.limit(async (): Promise<PageResult> => {
        try {
          return { text: await fetchArticleText(url, this.limits, { policy: this.policy }), error: null };
        } catch (err) {
          return { text: null, error: (err as Error).message };
        }
      }).finally(() => this.inFlight.delete(articleId));
      this.inFlight.set(articleId, p);
    }
    return p;
  }

  isFetching(articleId: number): boolean {
    return this.inFlight.has(articleId);
  }

  get running(): number {
    return this.inFlight.size;
  }

  /** Resolves when every page fetch started so far has ended. */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight.values()]);
  }
}
