-- Per-item resilience (issue 10): items of a feed's last answer that could not be read are
-- skipped, not the feed; how many, and why, is kept with the feed.
ALTER TABLE feeds ADD COLUMN last_skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN last_skip_reason TEXT;
