-- Topic decisions, stories and their members.

-- Main text fetched from the article page when the feed gives too little (readability).
ALTER TABLE articles ADD COLUMN page_text TEXT;
ALTER TABLE articles ADD COLUMN page_fetched_at INTEGER;
ALTER TABLE articles ADD COLUMN page_error TEXT;

-- One decision per (article, topic), kept for irrelevant articles too so `explain` can say why.
CREATE TABLE article_topics (
  article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
  topic_id   TEXT NOT NULL,
  relevant   INTEGER NOT NULL CHECK (relevant IN (0, 1)),
  score      REAL NOT NULL,
  hits       TEXT NOT NULL,          -- JSON: the rule hits that made the score
  decided_at INTEGER NOT NULL,
  PRIMARY KEY (article_id, topic_id)
);
CREATE INDEX article_topics_topic ON article_topics(topic_id, relevant);

CREATE TABLE stories (
  id              INTEGER PRIMARY KEY,
  topic_id        TEXT NOT NULL,
  title           TEXT NOT NULL,
  summary         TEXT NOT NULL DEFAULT '',
  first_published INTEGER NOT NULL,  -- earliest member's published time
  last_published  INTEGER NOT NULL,  -- latest member's: keeps the story in the active window
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,  -- when a member joined or changed
  summarised_at   INTEGER,           -- NULL or < updated_at: the summary is stale
  article_count   INTEGER NOT NULL DEFAULT 0,
  source_count    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX stories_topic_last ON stories(topic_id, last_published);
CREATE INDEX stories_updated ON stories(updated_at);

CREATE TABLE story_articles (
  story_id   INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
  article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
  similarity REAL NOT NULL,          -- what put the article here (1 for the story's first article)
  reason     TEXT NOT NULL,          -- 'first', 'same-url', 'same-title', 'near-copy', 'similar'
  added_at   INTEGER NOT NULL,
  PRIMARY KEY (story_id, article_id)
);
CREATE UNIQUE INDEX story_articles_article ON story_articles(article_id, story_id);
