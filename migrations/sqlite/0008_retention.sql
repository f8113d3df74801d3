-- Retention (issue 9): what the pruning of old articles, stories and digests looks up.
CREATE INDEX IF NOT EXISTS articles_first_seen ON articles(first_seen_at);
CREATE INDEX IF NOT EXISTS stories_last_published ON stories(last_published);
CREATE INDEX IF NOT EXISTS digests_created ON digests(created_at);
CREATE INDEX IF NOT EXISTS subscription_stories_digest ON subscription_stories(digest_id);
