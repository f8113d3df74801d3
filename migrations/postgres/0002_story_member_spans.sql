-- Each membership carries its article's publication time and outlet, so a story's span and
-- source count are read from one narrow index instead of joining every member's article row
-- (a large story's refresh cost grew with its size). Set when the membership is written, and
-- again when the article is edited.
ALTER TABLE story_articles ADD COLUMN published_at BIGINT;
ALTER TABLE story_articles ADD COLUMN source_key TEXT;
UPDATE story_articles SET published_at = a.published_at, source_key = coalesce(a.source, f.title, CAST(a.feed_id AS TEXT))
  FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id = story_articles.article_id;
CREATE INDEX story_articles_span ON story_articles(story_id, source_key, published_at);
