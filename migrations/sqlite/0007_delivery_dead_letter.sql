-- The delivery promise (issue 9): attempts recorded before each send, retries for hours then a
-- dead-letter state, and stable worker identities whose leases resume at once after a restart.
--
-- A CHECK constraint cannot be altered in SQLite, so `digests` is rebuilt to allow 'dead'. Its
-- children are copied aside and rebuilt too: with foreign keys on (they cannot be switched off
-- inside the migration's transaction), dropping `digests` would cascade-delete their rows.
CREATE TABLE digests_copy AS SELECT * FROM digests;
CREATE TABLE digest_parts_copy AS SELECT * FROM digest_parts;
CREATE TABLE subscription_stories_copy AS SELECT * FROM subscription_stories;
DROP TABLE subscription_stories;
DROP TABLE digest_parts;
DROP TABLE digests;

CREATE TABLE digests (
  id              INTEGER PRIMARY KEY,
  subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  window_key      TEXT NOT NULL,       -- the scheduled time (ISO) or "now:<ms>" for /digest now
  window_start    INTEGER NOT NULL,
  window_end      INTEGER NOT NULL,
  model           TEXT NOT NULL,       -- JSON of the platform-neutral Digest
  -- dead: transient failures for longer than delivery.retryFor; `outbox resend` queues it again
  status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'empty', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_owner     TEXT,                -- the worker id sending it; other workers leave it alone
  lease_until     INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER,
  failing_since   INTEGER,             -- first transient failure since the last success or resend
  dead_at         INTEGER,
  UNIQUE (subscription_id, window_key)
);
INSERT INTO digests (id, subscription_id, window_key, window_start, window_end, model, status, attempts, next_attempt_at, lease_owner, lease_until, last_error, created_at, sent_at)
  SELECT id, subscription_id, window_key, window_start, window_end, model, status, attempts, next_attempt_at, lease_owner, lease_until, last_error, created_at, sent_at FROM digests_copy;
CREATE INDEX digests_ready ON digests(status, next_attempt_at);

CREATE TABLE digest_parts (
  digest_id           INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
  seq                 INTEGER NOT NULL,
  payload             TEXT NOT NULL,   -- JSON the adapter sends as is
  platform_message_id TEXT,
  sent_at             INTEGER,
  -- Written and committed before each send: set without a message id, the part's last send
  -- has an unknown outcome (the process died, or its answer was lost).
  attempted_at        INTEGER,
  resends             INTEGER NOT NULL DEFAULT 0,  -- sends after such an unknown outcome: possible duplicates
  PRIMARY KEY (digest_id, seq)
);
INSERT INTO digest_parts (digest_id, seq, payload, platform_message_id, sent_at)
  SELECT digest_id, seq, payload, platform_message_id, sent_at FROM digest_parts_copy;

CREATE TABLE subscription_stories (
  subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  story_id        INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
  source_count    INTEGER NOT NULL,
  digest_id       INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
  PRIMARY KEY (subscription_id, story_id)
);
INSERT INTO subscription_stories (subscription_id, story_id, source_count, digest_id)
  SELECT subscription_id, story_id, source_count, digest_id FROM subscription_stories_copy;

-- Also made by 0008 (retention); here again for a database that applied 0008 before this file.
CREATE INDEX IF NOT EXISTS digests_created ON digests(created_at);
CREATE INDEX IF NOT EXISTS subscription_stories_digest ON subscription_stories(digest_id);

DROP TABLE digests_copy;
DROP TABLE digest_parts_copy;
DROP TABLE subscription_stories_copy;

-- One row per worker id (WORKER_ID, default the host name): the process using it now. A process
-- that finds its id held by a dead process takes the id, and the leases under it, over at once.
CREATE TABLE delivery_workers (
  id         TEXT PRIMARY KEY,
  instance   TEXT NOT NULL,            -- random per process start
  host       TEXT NOT NULL,
  pid        INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  seen_at    INTEGER NOT NULL          -- refreshed by each send run
);
