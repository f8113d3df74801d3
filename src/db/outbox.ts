import { sql } from 'kysely';
import type { DB } from './store.js';

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
 * held by another process is waited out or retried by the caller.
 */
export class OutboxRepo {
  constructor(private readonly db: DB) {}

  /** The handle this repository runs on (inside `transaction()`, the transaction's). */
  get handle(): DB {
    return this.db;
  }

  /** Runs `fn` with this repository inside one write transaction (SQLite: BEGIN IMMEDIATE). */
  transaction<T>(fn: (repo: OutboxRepo, tx: DB) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new OutboxRepo(tx), tx));
  }

  // --- building ---

  /**
   * Inserts an outbox entry unless (subscription, window) already has one; returns its id, or
   * undefined. Alerts and edits carry their kind, story, target message and when they may go.
   */
  async insertDigest(d: {
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
  }): Promise<number | undefined> {
    const r = await this.db.k
      .insertInto('digests')
      .values({
        subscription_id: d.subscriptionId,
        window_key: d.windowKey,
        window_start: d.windowStart,
        window_end: d.windowEnd,
        model: d.model,
        status: d.status,
        next_attempt_at: Math.max(d.now, d.notBefore ?? d.now),
        created_at: d.now,
        kind: d.kind ?? 'digest',
        story_id: d.storyId ?? null,
        target_message_id: d.targetMessageId ?? null,
        silent: d.silent ? 1 : 0,
      })
      .onConflict((oc) => oc.columns(['subscription_id', 'window_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return r?.id;
  }

  /** What the subscriber has now been shown, so a story comes again only when it gains sources. */
  async markSeen(subscriptionId: number, digestId: number, stories: { id: number; sourceCount: number }[], now: number): Promise<void> {
    if (stories.length) {
      await this.db.k
        .insertInto('subscription_stories')
        .values(stories.map((s) => ({ subscription_id: subscriptionId, story_id: s.id, source_count: s.sourceCount, digest_id: digestId })))
        .onConflict((oc) => oc.columns(['subscription_id', 'story_id']).doUpdateSet((eb) => ({ source_count: eb.ref('excluded.source_count'), digest_id: eb.ref('excluded.digest_id') })))
        .execute();
    }
    await this.db.k.updateTable('subscriptions').set({ last_digest_at: now }).where('id', '=', subscriptionId).execute();
  }

  // --- sending ---

  /**
   * Digests to send now: pending and due, or being sent under a lease that ran out or that is
   * `owner`'s own (left by this worker id's previous process).
   */
  async ready(platforms: Platform[], now: number, owner: string, limit: number, only?: number[]): Promise<ReadyDigest[]> {
    const rows = await this.db.k
      .selectFrom('digests as d')
      .innerJoin('subscriptions as s', 's.id', 'd.subscription_id')
      .select([
        'd.id',
        'd.subscription_id as subscriptionId',
        'd.model',
        'd.attempts',
        'd.failing_since as failingSince',
        's.platform',
        's.chat_id as chatId',
        's.active',
        'd.kind',
        'd.target_message_id as targetMessageId',
        'd.silent',
      ])
      .where((eb) =>
        eb.or([
          eb.and([eb('d.status', '=', 'pending'), eb('d.next_attempt_at', '<=', now)]),
          eb.and([eb('d.status', '=', 'sending'), eb.or([eb('d.lease_until', '<', now), eb('d.lease_owner', '=', owner)])]),
        ]),
      )
      .where(this.db.inList('s.platform', platforms))
      .$if(only !== undefined, (q) => q.where(this.db.inList('d.id', only ?? [])))
      .orderBy('d.next_attempt_at')
      .orderBy('d.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, active: r.active === 1, silent: r.silent === 1 }));
  }

  /** Takes the lease if the digest is still ready for `owner`; false if another worker has it. */
  async claim(id: number, owner: string, now: number, until: number): Promise<boolean> {
    const r = await this.db.k
      .updateTable('digests')
      .set({ status: 'sending', lease_owner: owner, lease_until: until })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
          eb.and([eb('status', '=', 'sending'), eb.or([eb('lease_until', '<', now), eb('lease_owner', '=', owner)])]),
        ]),
      )
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  parts(digestId: number): Promise<DigestPart[]> {
    return this.db.k
      .selectFrom('digest_parts')
      .select(['seq', 'payload', 'platform_message_id as messageId', 'attempted_at as attemptedAt'])
      .where('digest_id', '=', digestId)
      .orderBy('seq')
      .execute();
  }

  /** Stores the rendered parts once: a retry or a restart sends exactly the same messages. */
  async storeParts(digestId: number, payloads: string[]): Promise<void> {
    if (!payloads.length) return;
    await this.db.k
      .insertInto('digest_parts')
      .values(payloads.map((payload, seq) => ({ digest_id: digestId, seq, payload })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  /**
   * Records that a part is about to be sent (committed before the send), and extends the lease
   * to cover the send. A part already marked had a send of unknown outcome: this send may
   * duplicate it, and is counted.
   */
  markAttempt(digestId: number, seq: number, now: number, owner: string, leaseUntil: number): Promise<void> {
    return this.transaction(async (repo, tx) => {
      await tx.k
        .updateTable('digest_parts')
        .set({ resends: sql<number>`resends + CASE WHEN attempted_at IS NULL THEN 0 ELSE 1 END`, attempted_at: now })
        .where('digest_id', '=', digestId)
        .where('seq', '=', seq)
        .execute();
      await repo.extendLease(digestId, owner, leaseUntil);
    });
  }

  private async extendLease(digestId: number, owner: string, leaseUntil: number): Promise<void> {
    await this.db.k.updateTable('digests').set({ lease_until: leaseUntil }).where('id', '=', digestId).where('lease_owner', '=', owner).execute();
  }

  /** The platform answered with an error: the part was not delivered. */
  async clearAttempt(digestId: number, seq: number): Promise<void> {
    await this.db.k.updateTable('digest_parts').set({ attempted_at: null }).where('digest_id', '=', digestId).where('seq', '=', seq).execute();
  }

  /** Saves a sent part's message id and extends the lease, in one transaction. */
  partSent(digestId: number, seq: number, messageId: string, now: number, owner: string, leaseUntil: number): Promise<void> {
    return this.transaction(async (repo, tx) => {
      await tx.k.updateTable('digest_parts').set({ platform_message_id: messageId, sent_at: now }).where('digest_id', '=', digestId).where('seq', '=', seq).execute();
      await repo.extendLease(digestId, owner, leaseUntil);
    });
  }

  async markSent(id: number, now: number): Promise<void> {
    await this.db.k
      .updateTable('digests')
      .set({ status: 'sent', sent_at: now, lease_owner: null, lease_until: null, last_error: null, failing_since: null })
      .where('id', '=', id)
      .execute();
  }

  /** Back to pending, to be tried again at `at`. */
  async reschedule(id: number, r: { attempts: number; at: number; error: string; failingSince: number | null }): Promise<void> {
    await this.db.k
      .updateTable('digests')
      .set({ status: 'pending', attempts: r.attempts, next_attempt_at: r.at, last_error: r.error, failing_since: r.failingSince, lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .execute();
  }

  /** Ends delivery: 'failed' (the chat is gone or the platform refused the message) or 'dead' (gave up retrying). */
  async finish(id: number, status: 'failed' | 'dead', error: string, now: number, attempts?: number): Promise<void> {
    await this.db.k
      .updateTable('digests')
      .set({ status, last_error: error, ...(attempts !== undefined ? { attempts } : {}), dead_at: status === 'dead' ? now : null, lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .execute();
  }

  // --- operators (CLI) ---

  /** Every digest not delivered (dead, failed, or waiting to be sent), oldest first. */
  async undelivered(): Promise<UndeliveredDigest[]> {
    const rows = await sql<Omit<UndeliveredDigest, 'subscriptionActive'> & { subscriptionActive: number }>`
      SELECT d.id, d.subscription_id AS "subscriptionId", s.platform, s.chat_id AS "chatId", s.chat_title AS "chatTitle", s.active AS "subscriptionActive",
        s.stop_reason AS "stopReason", d.status, d.kind, d.story_id AS "storyId", d.attempts, d.created_at AS "createdAt", d.next_attempt_at AS "nextAttemptAt",
        d.failing_since AS "failingSince", d.dead_at AS "deadAt", d.last_error AS "lastError",
        (SELECT count(*) FROM digest_parts p WHERE p.digest_id = d.id) AS parts,
        (SELECT count(*) FROM digest_parts p WHERE p.digest_id = d.id AND p.platform_message_id IS NOT NULL) AS "partsSent",
        (SELECT coalesce(sum(p.resends), 0) FROM digest_parts p WHERE p.digest_id = d.id) AS resends
      FROM digests d JOIN subscriptions s ON s.id = d.subscription_id
      WHERE d.status IN ('pending', 'sending', 'failed', 'dead')
      ORDER BY d.created_at, d.id`.execute(this.db.k);
    return rows.rows.map((r) => ({ ...r, parts: Number(r.parts), partsSent: Number(r.partsSent), resends: Number(r.resends), subscriptionActive: r.subscriptionActive === 1 }));
  }

  /** Dead digests per subscription id. */
  async deadCounts(): Promise<Map<number, number>> {
    const rows = await this.db.k
      .selectFrom('digests')
      .select((eb) => ['subscription_id', eb.fn.countAll<number>().as('n')])
      .where('status', '=', 'dead')
      .groupBy('subscription_id')
      .execute();
    return new Map(rows.map((r) => [r.subscription_id, Number(r.n)]));
  }

  async deadIds(): Promise<number[]> {
    return (await this.db.k.selectFrom('digests').select('id').where('status', '=', 'dead').orderBy('id').execute()).map((r) => r.id);
  }

  /** Queues a dead or failed digest again, with a fresh retry period; parts already sent stay sent. */
  async requeue(id: number, now: number): Promise<boolean> {
    const r = await this.db.k
      .updateTable('digests')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, failing_since: null, dead_at: null, lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('status', 'in', ['dead', 'failed'])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  // --- worker ids ---

  /** `lock`: on PostgreSQL, two workers taking one id in the same moment serialise here (for the enclosing transaction). */
  async worker(id: string, options: { lock?: boolean } = {}): Promise<WorkerRow | undefined> {
    if (options.lock && this.db.engine === 'postgres' && this.db.isTransaction) await sql`SELECT pg_advisory_xact_lock(hashtext(${id}))`.execute(this.db.k);
    return this.db.k
      .selectFrom('delivery_workers')
      .select(['id', 'instance', 'host', 'pid', 'started_at as startedAt', 'seen_at as seenAt'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async saveWorker(w: WorkerRow): Promise<void> {
    await this.db.k
      .insertInto('delivery_workers')
      .values({ id: w.id, instance: w.instance, host: w.host, pid: w.pid, started_at: w.startedAt, seen_at: w.seenAt })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          instance: eb.ref('excluded.instance'),
          host: eb.ref('excluded.host'),
          pid: eb.ref('excluded.pid'),
          started_at: eb.ref('excluded.started_at'),
          seen_at: eb.ref('excluded.seen_at'),
        })),
      )
      .execute();
  }

  /** Refreshes the worker's heartbeat; false when another process has taken the id over. */
  async beat(id: string, instance: string, now: number): Promise<boolean> {
    const r = await this.db.k.updateTable('delivery_workers').set({ seen_at: now }).where('id', '=', id).where('instance', '=', instance).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
