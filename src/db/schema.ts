import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them, the same on SQLite and PostgreSQL (migrations/sqlite and
 * migrations/postgres create them). Times are milliseconds since the epoch (INTEGER / BIGINT),
 * flags are 0/1 integers on both engines, JSON is stored as text.
 */
export interface Schema {
  schema_migrations: { version: string; applied_at: string };
  feeds: FeedsTable;
  articles: ArticlesTable;
  article_topics: {
    article_id: number;
    topic_id: string;
    relevant: number;
    score: number;
    hits: string;
    decided_at: number;
  };
  stories: StoriesTable;
  story_articles: {
    story_id: number;
    article_id: number;
    similarity: number;
    reason: string;
    added_at: number;
    evidence: string | null;
    thread_id: number | null;
    /** The article's, copied (see `StoryRepo.stamp`). */
    published_at: number | null;
    source_key: string | null;
  };
  term_df: { term: string; df: number };
  corpus_stats: { id: number; docs: number };
  topic_term_df: { topic_id: string; term: string; df: number };
  topic_stats: { topic_id: string; docs: number };
  subscriptions: SubscriptionsTable;
  subscription_filters: { subscription_id: number; kind: 'include' | 'exclude'; term: string; created_at: number };
  subscription_stories: { subscription_id: number; story_id: number; source_count: number; digest_id: number };
  digests: DigestsTable;
  digest_parts: {
    digest_id: number;
    seq: number;
    payload: string;
    platform_message_id: string | null;
    sent_at: number | null;
    attempted_at: number | null;
    resends: Generated<number>;
  };
  delivery_workers: { id: string; instance: string; host: string; pid: number; started_at: number; seen_at: number };
  story_alerts: {
    subscription_id: number;
    story_id: number;
    digest_id: number;
    source_count: number;
    queued_at: number;
    edited_at: number | null;
    gone: Generated<number>;
  };
  /** Shared pacing of platform calls across workers: the next free send slot per platform. */
  rate_slots: { name: string; next_at: number };
  /** PostgreSQL: bumped when another process than the story grouper changes stories (see migrations/postgres). */
  grouping_epoch: { id: number; version: number };
}

export interface FeedsTable {
  id: Generated<number>;
  url: string;
  title: string | null;
  origin: 'config' | 'user' | 'opml';
  interval_ms: number | null;
  etag: string | null;
  last_modified: string | null;
  last_status: string | null;
  last_error: string | null;
  error_count: Generated<number>;
  last_polled_at: number | null;
  last_ok_at: number | null;
  next_poll_at: Generated<number>;
  created_at: number;
  last_skipped: Generated<number>;
  last_skip_reason: string | null;
  disabled_at: number | null;
  /** The worker polling it now, until `poll_lease_until`: others leave it alone. */
  poll_owner: string | null;
  poll_lease_until: number | null;
}

export interface ArticlesTable {
  id: Generated<number>;
  feed_id: number;
  guid: string | null;
  url: string;
  link: string;
  title: string;
  description: Generated<string>;
  content: Generated<string>;
  author: string | null;
  published_at: number;
  first_seen_at: number;
  updated_at: number;
  content_hash: string;
  page_text: string | null;
  page_fetched_at: number | null;
  page_error: string | null;
  source: string | null;
  processed_at: number | null;
  learned: Generated<number>;
  process_error: string | null;
}

export interface StoriesTable {
  id: Generated<number>;
  topic_id: string;
  title: string;
  summary: Generated<string>;
  first_published: number;
  last_published: number;
  created_at: number;
  updated_at: number;
  summarised_at: number | null;
  article_count: Generated<number>;
  source_count: Generated<number>;
  merged_into: number | null;
  thread_id: number | null;
  needs_summary: Generated<number>;
}

export interface SubscriptionsTable {
  id: Generated<number>;
  platform: 'telegram' | 'slack' | 'console';
  chat_id: string;
  chat_title: string | null;
  topics: string;
  schedule: string;
  timezone: string;
  max_stories: number;
  active: Generated<number>;
  stop_reason: string | null;
  last_digest_at: number | null;
  next_due_at: number | null;
  created_at: number;
  updated_at: number;
  alert_threshold: number | null;
  alert_skip_digest: Generated<number>;
  alerts_since: number | null;
  quiet_start: string | null;
  quiet_end: string | null;
  quiet_mode: Generated<'wait' | 'silent'>;
}

export interface DigestsTable {
  id: Generated<number>;
  subscription_id: number;
  window_key: string;
  window_start: number;
  window_end: number;
  model: string;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'empty' | 'dead';
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
  failing_since: number | null;
  dead_at: number | null;
  kind: Generated<'digest' | 'alert' | 'edit'>;
  story_id: number | null;
  target_message_id: string | null;
  silent: Generated<number>;
}
