-- Subscribers and the outbox of digests sent to them.
CREATE TABLE subscriptions (
  id             INTEGER PRIMARY KEY,
  platform       TEXT NOT NULL CHECK (platform IN ('telegram', 'slack', 'console')),
  chat_id        TEXT NOT NULL,        -- Telegram chat id, Slack channel id, "stdout"
  chat_title     TEXT,
  topics         TEXT NOT NULL,        -- JSON array of topic ids
  schedule       TEXT NOT NULL,        -- "daily 08:00", "twice 08:00 20:00", "every 3h", "weekdays 09:00", "off", or cron
  timezone       TEXT NOT NULL,        -- IANA, e.g. Europe/Kyiv
  max_stories    INTEGER NOT NULL,
  active         INTEGER NOT NULL DEFAULT 1,
  stop_reason    TEXT,                 -- why delivery stopped (blocked, chat not found, not_in_channel…)
  last_digest_at INTEGER,              -- end of the window of the last digest built
  next_due_at    INTEGER,              -- next scheduled digest; NULL when the schedule is off
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  UNIQUE (platform, chat_id)
);
CREATE INDEX subscriptions_due ON subscriptions(active, next_due_at);

-- One row per digest: built once per (subscription, window), then sent part by part.
CREATE TABLE digests (
  id              INTEGER PRIMARY KEY,
  subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  window_key      TEXT NOT NULL,       -- the scheduled time (ISO) or "now:<ms>" for /digest now
  window_start    INTEGER NOT NULL,
  window_end      INTEGER NOT NULL,
  model           TEXT NOT NULL,       -- JSON of the platform-neutral Digest
  status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'empty')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_owner     TEXT,                -- the worker sending it; other workers leave it alone
  lease_until     INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER,
  UNIQUE (subscription_id, window_key)
);
CREATE INDEX digests_ready ON digests(status, next_attempt_at);

-- The rendered messages of a digest; platform_message_id set once a part is sent.
CREATE TABLE digest_parts (
  digest_id           INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
  seq                 INTEGER NOT NULL,
  payload             TEXT NOT NULL,   -- JSON the adapter sends as is
  platform_message_id TEXT,
  sent_at             INTEGER,
  PRIMARY KEY (digest_id, seq)
);

-- What each subscriber has been shown, to send a story once and say "+2 sources" when it grows.
CREATE TABLE subscription_stories (
  subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  story_id        INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
  source_count    INTEGER NOT NULL,
  digest_id       INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
  PRIMARY KEY (subscription_id, story_id)
);
