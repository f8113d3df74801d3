import type { DB } from './open.js';
import { prepared } from './statements.js';

// The same union as digest/subscriptions' Platform, repeated so db/ does not import digest/.
type Platform = 'telegram' | 'slack' | 'console';
export type DigestStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'empty' | 'dead';
/** What an outbox entry sends: a scheduled digest, a breaking-story alert, or an edit of one. */
export type OutboxKind = 'digest' | 'alert' | 'edit';

/** A digest the sender may claim now, with where it goes. */
export interface ReadyDigest {
  id: number;
  subscriptionId: number;
  model: string;
  attempts: number;
  failingSince: number | null;
  platform: Platform;
  chatId: string;
  active: boolean;
  kind: OutboxKind;
  /** An edit: the platform message id of the alert it rewrites. */
  targetMessageId: string | null;
  /** Send without a notification (quiet hours, silent mode). */
  silent: boolean;
}

export interface DigestPart {
  seq: number;
  payload: string;
  messageId: string | null;
  /** Set with no message id: the last send of this part has an unknown outcome. */
  attemptedAt: number | null;
}

/** A digest not (yet) delivered, for `outbox list` and `subscriptions list`. */
export interface UndeliveredDigest {
  id: number;
  subscriptionId: number;
  platform: Platform;
  chatId: string;
  chatTitle: string | null;
  subscriptionActive: boolean;
  stopReason: string | null;
  status: DigestStatus;
  kind: OutboxKind;
  storyId: number | null;
  attempts: number;
  createdAt: number;
  nextAttemptAt: number;
  failingSince: number | null;
  deadAt: number | null;
  lastError: string | null;
  parts: number;
  partsSent: number;
  resends: number;
}

export interface WorkerRow {
  id: string;
  instance: string;
  host: string;
  pid: number;
  startedAt: number;
  seenAt: number;
}

/**
 * The outbox tables: digests (built once per subscription and window), their rendered parts and
 * the workers that lease them. Every write is one short statement or transaction, so a lock
 * held by another process is waited out (busy_timeout) or retried by the caller.
 */
export class OutboxRepo {
  constructor(private readonly db: DB) {}

  /** Runs `fn` in a write transaction taken at once (BEGIN IMMEDIATE): no lock upgrade to fail. */
  immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // --- building ---

  dueSubscriptionIds(now: number): number[] {
    return this.db.prepare('SELECT id FROM subscriptions WHERE active = 1 AND next_due_at IS NOT NULL AND next_due_at <= ? ORDER BY next_due_at, id').pluck().all(now) as number[];
  }

  setNextDue(subscriptionId: number, next: number | null): void {
    this.db.prepare('UPDATE subscriptions SET next_due_at = ? WHERE id = ?').run(next, subscriptionId);
  }

  /**
   * Inserts an outbox entry unless (subscription, window) already has one; returns its id, or
   * undefined. Alerts and edits carry their kind, story, target message and when they may go.
   */
  insertDigest(d: {
    subscriptionId: number;
    windowKey: string;
    windowStart: number;
    windowEnd: number;
    model: string;
    status: 'pending' | 'empty';
    now: number;
    kind?: OutboxKind;
    storyId?: number;
    targetMessageId?: string;
    silent?: boolean;
    notBefore?: number;
  }): number | undefined {
    const info = prepared(
      this.db,
      `INSERT INTO digests (subscription_id, window_key, window_start, window_end, model, status, next_attempt_at, created_at, kind, story_id, target_message_id, silent)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(subscription_id, window_key) DO NOTHING`,
    ).run(d.subscriptionId, d.windowKey, d.windowStart, d.windowEnd, d.model, d.status, Math.max(d.now, d.notBefore ?? d.now), d.now, d.kind ?? 'digest', d.storyId ?? null, d.targetMessageId ?? null, d.silent ? 1 : 0);
    return info.changes === 0 ? undefined : Number(info.lastInsertRowid);
  }

  /** What the subscriber has now been shown, so a story comes again only when it gains sources. */
  markSeen(subscriptionId: number, digestId: number, stories: { id: number; sourceCount: number }[], now: number): void {
    const seen = this.db.prepare(`INSERT INTO subscription_stories (subscription_id, story_id, source_count, digest_id) VALUES (?, ?, ?, ?)
      ON CONFLICT(subscription_id, story_id) DO UPDATE SET source_count = excluded.source_count, digest_id = excluded.digest_id`);
    for (const s of stories) seen.run(subscriptionId, s.id, s.sourceCount, digestId);
    this.db.prepare('UPDATE subscriptions SET last_digest_at = ? WHERE id = ?').run(now, subscriptionId);
  }

  // --- sending ---

  /**
   * Digests to send now: pending and due, or being sent under a lease that ran out or that is
   * `owner`'s own (left by this worker id's previous process).
   */
  ready(platforms: Platform[], now: number, owner: string, limit: number, only?: number[]): ReadyDigest[] {
    const rows = this.db
      .prepare(
        `SELECT d.id, d.subscription_id AS subscriptionId, d.model, d.attempts, d.failing_since AS failingSince, s.platform, s.chat_id AS chatId, s.active,
           d.kind, d.target_message_id AS targetMessageId, d.silent
         FROM digests d JOIN subscriptions s ON s.id = d.subscription_id
         WHERE ((d.status = 'pending' AND d.next_attempt_at <= @now) OR (d.status = 'sending' AND (d.lease_until < @now OR d.lease_owner = @owner)))
           AND s.platform IN (SELECT value FROM json_each(@platforms))
           AND (@only IS NULL OR d.id IN (SELECT value FROM json_each(@only)))
         ORDER BY d.next_attempt_at, d.id LIMIT @limit`,
      )
      .all({ now, owner, platforms: JSON.stringify(platforms), limit, only: only ? JSON.stringify(only) : null }) as (Omit<ReadyDigest, 'active' | 'silent'> & { active: number; silent: number })[];
    return rows.map((r) => ({ ...r, active: r.active === 1, silent: r.silent === 1 }));
  }

  /** Takes the lease if the digest is still ready for `owner`; false if another worker has it. */
  claim(id: number, owner: string, now: number, until: number): boolean {
    return (
      this.db
        .prepare(`UPDATE digests SET status = 'sending', lease_owner = @owner, lease_until = @until
          WHERE id = @id AND ((status = 'pending' AND next_attempt_at <= @now) OR (status = 'sending' AND (lease_until < @now OR lease_owner = @owner)))`)
        .run({ id, owner, until, now }).changes === 1
    );
  }

  parts(digestId: number): DigestPart[] {
    return this.db
      .prepare('SELECT seq, payload, platform_message_id AS messageId, attempted_at AS attemptedAt FROM digest_parts WHERE digest_id = ? ORDER BY seq')
      .all(digestId) as DigestPart[];
  }

  /** Stores the rendered parts once: a retry or a restart sends exactly the same messages. */
  storeParts(digestId: number, payloads: string[]): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO digest_parts (digest_id, seq, payload) VALUES (?, ?, ?)');
    this.immediate(() => payloads.forEach((p, i) => insert.run(digestId, i, p)));
  }

  /**
   * Records that a part is about to be sent (committed before the send), and extends the lease
   * to cover the send. A part already marked had a send of unknown outcome: this send may
   * duplicate it, and is counted.
   */
  markAttempt(digestId: number, seq: number, now: number, owner: string, leaseUntil: number): void {
    this.immediate(() => {
      this.db
        .prepare('UPDATE digest_parts SET resends = resends + (attempted_at IS NOT NULL), attempted_at = ? WHERE digest_id = ? AND seq = ?')
        .run(now, digestId, seq);
      this.db.prepare('UPDATE digests SET lease_until = ? WHERE id = ? AND lease_owner = ?').run(leaseUntil, digestId, owner);
    });
  }

  /** The platform answered with an error: the part was not delivered. */
  clearAttempt(digestId: number, seq: number): void {
    this.db.prepare('UPDATE digest_parts SET attempted_at = NULL WHERE digest_id = ? AND seq = ?').run(digestId, seq);
  }

  /** Saves a sent part's message id and extends the lease, in one transaction. */
  partSent(digestId: number, seq: number, messageId: string, now: number, owner: string, leaseUntil: number): void {
    this.immediate(() => {
      this.db.prepare('UPDATE digest_parts SET platform_message_id = ?, sent_at = ? WHERE digest_id = ? AND seq = ?').run(messageId, now, digestId, seq);
      this.db.prepare('UPDATE digests SET lease_until = ? WHERE id = ? AND lease_owner = ?').run(leaseUntil, digestId, owner);
    });
  }

  markSent(id: number, now: number): void {
    this.db
      .prepare("UPDATE digests SET status = 'sent', sent_at = ?, lease_owner = NULL, lease_until = NULL, last_error = NULL, failing_since = NULL WHERE id = ?")
      .run(now, id);
  }

  /** Back to pending, to be tried again at `at`. */
  reschedule(id: number, r: { attempts: number; at: number; error: string; failingSince: number | null }): void {
    this.db
      .prepare("UPDATE digests SET status = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?, failing_since = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?")
      .run(r.attempts, r.at, r.error, r.failingSince, id);
  }

  /** Ends delivery: 'failed' (the chat is gone or the platform refused the message) or 'dead' (gave up retrying). */
  finish(id: number, status: 'failed' | 'dead', error: string, now: number, attempts?: number): void {
    this.db
      .prepare('UPDATE digests SET status = ?, last_error = ?, attempts = coalesce(?, attempts), dead_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?')
      .run(status, error, attempts ?? null, status === 'dead' ? now : null, id);
  }

  // --- operators (CLI) ---

  /** Every digest not delivered (dead, failed, or waiting to be sent), oldest first. */
  undelivered(): UndeliveredDigest[] {
    const rows = this.db
      .prepare(
        `SELECT d.id, d.subscription_id AS subscriptionId, s.platform, s.chat_id AS chatId, s.chat_title AS chatTitle, s.active AS subscriptionActive,
           s.stop_reason AS stopReason, d.status, d.kind, d.story_id AS storyId, d.attempts, d.created_at AS createdAt, d.next_attempt_at AS nextAttemptAt,
           d.failing_since AS failingSince, d.dead_at AS deadAt, d.last_error AS lastError,
           (SELECT count(*) FROM digest_parts p WHERE p.digest_id = d.id) AS parts,
           (SELECT count(*) FROM digest_parts p WHERE p.digest_id = d.id AND p.platform_message_id IS NOT NULL) AS partsSent,
           (SELECT coalesce(sum(p.resends), 0) FROM digest_parts p WHERE p.digest_id = d.id) AS resends
         FROM digests d JOIN subscriptions s ON s.id = d.subscription_id
         WHERE d.status IN ('pending', 'sending', 'failed', 'dead')
         ORDER BY d.created_at, d.id`,
      )
      .all() as (Omit<UndeliveredDigest, 'subscriptionActive'> & { subscriptionActive: number })[];
    return rows.map((r) => ({ ...r, subscriptionActive: r.subscriptionActive === 1 }));
  }

  /** Dead digests per subscription id. */
  deadCounts(): Map<number, number> {
    const rows = this.db.prepare("SELECT subscription_id AS id, count(*) AS n FROM digests WHERE status = 'dead' GROUP BY subscription_id").all() as { id: number; n: number }[];
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  deadIds(): number[] {
    return this.db.prepare("SELECT id FROM digests WHERE status = 'dead' ORDER BY id").pluck().all() as number[];
  }

  /** Queues a dead or failed digest again, with a fresh retry period; parts already sent stay sent. */
  requeue(id: number, now: number): boolean {
    return (
      this.db
        .prepare(`UPDATE digests SET status = 'pending', attempts = 0, next_attempt_at = ?, failing_since = NULL, dead_at = NULL, lease_owner = NULL, lease_until = NULL
          WHERE id = ? AND status IN ('dead', 'failed')`)
        .run(now, id).changes === 1
    );
  }

  // --- worker ids ---

  worker(id: string): WorkerRow | undefined {
    return this.db.prepare('SELECT id, instance, host, pid, started_at AS startedAt, seen_at AS seenAt FROM delivery_workers WHERE id = ?').get(id) as WorkerRow | undefined;
  }

  saveWorker(w: WorkerRow): void {
    this.db
      .prepare(`INSERT INTO delivery_workers (id, instance, host, pid, started_at, seen_at) VALUES (@id, @instance, @host, @pid, @startedAt, @seenAt)
        ON CONFLICT(id) DO UPDATE SET instance = excluded.instance, host = excluded.host, pid = excluded.pid, started_at = excluded.started_at, seen_at = excluded.seen_at`)
      .run(w);
  }

  /** Refreshes the worker's heartbeat; false when another process has taken the id over. */
  beat(id: string, instance: string, now: number): boolean {
    return this.db.prepare('UPDATE delivery_workers SET seen_at = ? WHERE id = ? AND instance = ?').run(now, id, instance).changes === 1;
  }
}
