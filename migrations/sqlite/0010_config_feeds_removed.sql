-- A feed taken out of the config is disabled at the next start (not polled, its articles and
-- stories kept); `feeds remove` deletes it with them. Put back in the config, it polls again.
ALTER TABLE feeds ADD COLUMN disabled_at INTEGER;
DROP INDEX IF EXISTS feeds_due;
CREATE INDEX feeds_due ON feeds(next_poll_at) WHERE disabled_at IS NULL;
