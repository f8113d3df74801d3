-- Feeds and the articles polled from them. Times are Unix epoch milliseconds (UTC).
CREATE TABLE feeds (
  id            INTEGER PRIMARY KEY,
  url           TEXT NOT NULL UNIQUE,
  title         TEXT,                 -- from the config, else the feed's own <title>
  origin        TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('config', 'user', 'opml')),
  interval_ms   INTEGER,              -- NULL: the config's default polling interval
  etag          TEXT,
  last_modified TEXT,
  last_status   TEXT,                 -- 'ok', 'not-modified' or an error kind
  last_error    TEXT,                 -- the precise message of the last failure
  error_count   INTEGER NOT NULL DEFAULT 0,  -- consecutive failures, drives the backoff
  last_polled_at INTEGER,
  last_ok_at    INTEGER,
  next_poll_at  INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);

CREATE TABLE articles (
  id            INTEGER PRIMARY KEY,
  feed_id       INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
  guid          TEXT,                 -- the feed's GUID / Atom id, when it gives one
  url           TEXT NOT NULL UNIQUE, -- canonical URL
  link          TEXT NOT NULL,        -- the link as the feed gave it
  title         TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  content       TEXT NOT NULL DEFAULT '',  -- plain text of the feed's full content, if any
  author        TEXT,
  published_at  INTEGER NOT NULL,
  first_seen_at INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  content_hash  TEXT NOT NULL         -- detects edits between polls
);
CREATE UNIQUE INDEX articles_feed_guid ON articles(feed_id, guid) WHERE guid IS NOT NULL;
CREATE INDEX articles_published ON articles(published_at);
