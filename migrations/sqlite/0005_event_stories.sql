-- Stories as events (issue 8): topic term statistics, the evidence of each assignment, threads.

-- Document frequencies within each topic's own articles: words most of a topic's articles carry
-- ("Patriot", "Kyiv") separate none of its events, however rare they are across all feeds.
CREATE TABLE topic_term_df (
  topic_id TEXT NOT NULL,
  term     TEXT NOT NULL,
  df       INTEGER NOT NULL,
  PRIMARY KEY (topic_id, term)
) WITHOUT ROWID;
CREATE TABLE topic_stats (
  topic_id TEXT PRIMARY KEY,
  docs     INTEGER NOT NULL
);

-- What the comparison found when an article joined (JSON), for `explain`.
ALTER TABLE story_articles ADD COLUMN evidence TEXT;
-- Threads: the coverage of one subject across its events. An article's thread, and a story's
-- (its first article's): stories of one thread follow each other up.
ALTER TABLE story_articles ADD COLUMN thread_id INTEGER;
ALTER TABLE stories ADD COLUMN thread_id INTEGER;
CREATE INDEX stories_thread ON stories(thread_id);

-- Terms are now counted by the story features' own tokenizer: the old counts (another stemmer)
-- would weigh every word wrongly. They are learned again from the next articles.
DELETE FROM term_df;
UPDATE corpus_stats SET docs = 0;
