/** What went wrong with a feed, as a stable label for metrics and the feed's `last_status`. */
export type FeedErrorKind = 'timeout' | 'http' | 'too-large' | 'redirects' | 'network' | 'not-a-feed' | 'parse' | 'file' | 'refused';

export class FeedError extends Error {
  constructor(readonly kind: FeedErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FeedError';
  }
}
