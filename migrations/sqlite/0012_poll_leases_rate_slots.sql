-- Several workers on one database: a feed being polled is leased to one of them (the others
-- leave it alone until the lease runs out, so a dead worker's feeds are taken over).
ALTER TABLE feeds ADD COLUMN poll_owner TEXT;
ALTER TABLE feeds ADD COLUMN poll_lease_until INTEGER;

-- Shared pacing of platform calls across the processes of one database: the next free slot.
CREATE TABLE rate_slots (
  name    TEXT PRIMARY KEY,
  next_at INTEGER NOT NULL  -- microseconds since the epoch
);
