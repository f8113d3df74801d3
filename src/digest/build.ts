import type { LoadedConfig } from '../config/load.js';
import type { DB } from '../db/open.js';
import { StoryRepo, type StoryRow } from '../db/stories.js';
import { sourceName } from '../ingest/source-name.js';
import type { Digest, DigestStory } from './model.js';
import type { Subscription } from './subscriptions.js';

type Candidate = Pick<StoryRow, 'id' | 'topic_id' | 'title' | 'summary' | 'first_published' | 'last_published' | 'updated_at' | 'source_count'> & {
  /** Sources the subscriber saw last time; null if it never saw the story. */
  seen_sources: number | null;
};

/**
 * Chooses a subscriber's stories: those of its topics that changed in the window and are new to
 * it, or gained sources since it last saw them; ranked by number of sources, then recency; capped.
 */
export function buildDigest(db: DB, config: LoadedConfig, sub: Subscription, windowEnd: number, now: number): Digest {
  const windowStart = sub.lastDigestAt ?? windowEnd - config.digest.firstLookback;
  const topics = sub.topics.map((id) => ({ id, name: config.topics.find((t) => t.id === id)?.name ?? id }));
  const placeholders = sub.topics.map(() => '?').join(',') || "''";
  const rows = db
    .prepare(
      `SELECT s.id, s.topic_id, s.title, s.summary, s.first_published, s.last_published, s.updated_at, s.source_count, ss.source_count AS seen_sources
       FROM stories s LEFT JOIN subscription_stories ss ON ss.story_id = s.id AND ss.subscription_id = ?
       WHERE s.topic_id IN (${placeholders}) AND s.merged_into IS NULL AND s.article_count > 0
         AND s.updated_at > ? AND s.updated_at <= ?
         AND (ss.story_id IS NULL OR s.source_count > ss.source_count)`,
    )
    .all(sub.id, ...sub.topics, windowStart, windowEnd) as Candidate[];
  rows.sort((a, b) => b.source_count - a.source_count || b.last_published - a.last_published || b.id - a.id);
  const chosen = rows.slice(0, sub.maxStories);
  const repo = new StoryRepo(db);
  const stories: DigestStory[] = chosen.map((s) => {
    const seen = new Set<string>();
    const sources = repo
      .members(s.id)
      .map((m) => ({ name: sourceName(m.source ?? m.feed_title, m.url), url: m.url }))
      .filter((src) => (seen.has(src.name) ? false : (seen.add(src.name), true)));
    return {
      id: s.id,
      topic: s.topic_id,
      headline: s.title,
      summary: s.summary,
      sources,
      sourceCount: s.source_count,
      newSources: s.seen_sources === null ? 0 : s.source_count - s.seen_sources,
      isUpdate: s.seen_sources !== null,
      firstPublished: s.first_published,
      lastPublished: s.last_published,
    };
  });
  const date = new Date(windowEnd).toLocaleDateString('en-GB', { timeZone: sub.timezone, day: 'numeric', month: 'short', year: 'numeric' });
  return {
    subscriptionId: sub.id,
    title: `${topics.map((t) => t.name).join(' · ')} — ${date}`,
    topics,
    timezone: sub.timezone,
    windowStart,
    windowEnd,
    generatedAt: now,
    stories,
    omitted: rows.length - chosen.length,
    ...(stories.length === 0 && config.digest.nothingNewNote ? { note: 'Nothing new on your topics since the last digest.' } : {}),
  };
}
