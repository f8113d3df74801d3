-- Folding one thread into another rewrites its members' thread ids (`mergeThreads`): without an
-- index that update read every membership in the database, once per fold. PostgreSQL has had
-- this index from its first schema.
CREATE INDEX IF NOT EXISTS story_articles_thread ON story_articles(thread_id);
