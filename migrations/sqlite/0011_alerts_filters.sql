-- Breaking-story alerts that are edited in place, quiet hours and per-chat filters (issue 13).

-- Alerts per subscription: a story is sent as soon as `alert_threshold` outlets report it (NULL: off).
ALTER TABLE subscriptions ADD COLUMN alert_threshold INTEGER;
-- 1: an alerted story is left out of the digests; 0: it is shown there marked "(alerted 09:14)".
ALTER TABLE subscriptions ADD COLUMN alert_skip_digest INTEGER NOT NULL DEFAULT 0;
-- When alerts were turned on: stories that changed before are not alerted (no flood of old news).
ALTER TABLE subscriptions ADD COLUMN alerts_since INTEGER;
-- Quiet hours as local "HH:MM" in the subscription's time zone (NULL: none); during them alerts
-- wait for the end ('wait') or go out without a notification ('silent').
ALTER TABLE subscriptions ADD COLUMN quiet_start TEXT;
ALTER TABLE subscriptions ADD COLUMN quiet_end TEXT;
ALTER TABLE subscriptions ADD COLUMN quiet_mode TEXT NOT NULL DEFAULT 'wait' CHECK (quiet_mode IN ('wait', 'silent'));

-- Word filters: 'exclude' drops stories with the term, 'include' keeps only stories with one.
CREATE TABLE subscription_filters (
  subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  kind            TEXT NOT NULL CHECK (kind IN ('include', 'exclude')),
  term            TEXT NOT NULL,        -- as the user wrote it (matching folds case and diacritics)
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (subscription_id, kind, term)
);

-- Alerts and their edits are outbox entries like digests: same leases, retries and dead letters.
-- window_key is "alert:<story>" or "edit:<story>:<sources>", so (subscription, story, kind) is
-- queued once however many workers see it.
ALTER TABLE digests ADD COLUMN kind TEXT NOT NULL DEFAULT 'digest' CHECK (kind IN ('digest', 'alert', 'edit'));
ALTER TABLE digests ADD COLUMN story_id INTEGER;
-- An edit: the platform message id of the alert it rewrites.
ALTER TABLE digests ADD COLUMN target_message_id TEXT;
-- Sent without a notification (quiet hours in 'silent' mode).
ALTER TABLE digests ADD COLUMN silent INTEGER NOT NULL DEFAULT 0;

-- One alert per (subscription, story). Its message id lives in the alert's outbox part.
CREATE TABLE story_alerts (
  subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  story_id        INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
  digest_id       INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,  -- the alert's outbox entry
  source_count    INTEGER NOT NULL,     -- outlets shown by the alert or by the last edit queued
  queued_at       INTEGER NOT NULL,
  edited_at       INTEGER,              -- when the last edit was queued (at most one per 10 minutes)
  gone            INTEGER NOT NULL DEFAULT 0,  -- the message was deleted in the chat: no more edits
  PRIMARY KEY (subscription_id, story_id)
);
CREATE INDEX story_alerts_story ON story_alerts(story_id);
CREATE INDEX story_alerts_digest ON story_alerts(digest_id);
CREATE INDEX subscriptions_alerts ON subscriptions(alert_threshold) WHERE alert_threshold IS NOT NULL;
