-- Durable processing (issue 9): an article is processed (topics, term statistics, story) in the
-- same transaction that marks it so; what a crash or a lock left unprocessed is found again.

-- NULL: the article is new or was edited since it was processed.
ALTER TABLE articles ADD COLUMN processed_at INTEGER;
-- 1 once its terms are in the term statistics (an edit is not counted twice).
ALTER TABLE articles ADD COLUMN learned INTEGER NOT NULL DEFAULT 0;
-- Why processing this article failed on its own (it is then set aside, not retried forever).
ALTER TABLE articles ADD COLUMN process_error TEXT;
-- Articles stored before this migration were processed when they have a topic decision; the
-- others were lost between storing and processing, and are processed now.
UPDATE articles SET processed_at = updated_at, learned = 1 WHERE id IN (SELECT article_id FROM article_topics);
CREATE INDEX articles_pending ON articles(id) WHERE processed_at IS NULL;

-- A story whose articles changed, waiting for its summary to be written again.
ALTER TABLE stories ADD COLUMN needs_summary INTEGER NOT NULL DEFAULT 0;
UPDATE stories SET needs_summary = 1 WHERE merged_into IS NULL AND (summarised_at IS NULL OR summarised_at < updated_at);
CREATE INDEX stories_needs_summary ON stories(id) WHERE needs_summary = 1;
