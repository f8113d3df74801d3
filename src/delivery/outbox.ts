import type { LoadedConfig } from '../config/load.js';
import type { DB } from '../db/open.js';
import { buildDigest, type UpdateCache } from '../digest/build.js';
import type { Digest } from '../digest/model.js';
import type { Subscription, SubscriptionService } from '../digest/subscriptions.js';
import { nextRun, parseSchedule } from '../scheduler/schedule.js';
import type { IdfModel } from '../stories/idf.js';

export interface CreatedDigest {
  id: number;
  subscriptionId: number;
  status: 'pending' | 'empty';
  digest: Digest;
}

/**
 * Builds digests into the outbox. Each is stored before anything is sent, unique per
 * (subscription, window): a due time is built into a digest once however many workers see it.
 */
export class Outbox {
  /** Subscribers due at the same time get the same "Now also" for a story: computed once. */
  private readonly updates: UpdateCache = new Map();

  constructor(
    private readonly db: DB,
    private readonly config: LoadedConfig,
    private readonly subscriptions: SubscriptionService,
    private readonly clock: () => number = Date.now,
    /** Term weights of the story pipeline, read only when a digest has an update to write. */
    private readonly idf?: () => IdfModel,
  ) {}

  /**
   * Digests for every subscription whose time has come. A subscription that missed several
   * times while the process was down gets one digest, keyed by its first missed time.
   */
  createDue(): CreatedDigest[] {
    const now = this.clock();
    const due = this.db.prepare('SELECT id FROM subscriptions WHERE active = 1 AND next_due_at IS NOT NULL AND next_due_at <= ? ORDER BY next_due_at, id').pluck().all(now) as number[];
    const out: CreatedDigest[] = [];
    for (const id of due) {
      const created = this.db.transaction(() => {
        // Re-read under the write lock: another worker may have just handled this due time.
        const sub = this.subscriptions.byId(id);
        if (!sub || !sub.active || sub.nextDueAt === null || sub.nextDueAt > now) return undefined;
        const key = new Date(sub.nextDueAt).toISOString();
        const next = nextRun(parseSchedule(sub.schedule), sub.timezone, now);
        this.db.prepare('UPDATE subscriptions SET next_due_at = ? WHERE id = ?').run(next, sub.id);
        return this.insert(sub, key, now);
      }).immediate();
      if (created) out.push(created);
    }
    return out;
  }

  /** `/digest now`: a digest at once, which counts as the last digest. */
  createNow(subscriptionId: number): CreatedDigest | undefined {
    const now = this.clock();
    return this.db.transaction(() => {
      const sub = this.subscriptions.byId(subscriptionId);
      if (!sub) return undefined;
      return this.insert(sub, `now:${now}`, now);
    }).immediate();
  }

  private insert(sub: Subscription, windowKey: string, now: number): CreatedDigest | undefined {
    const digest = buildDigest(this.db, this.config, sub, now, now, { idf: this.idf, updateCache: this.updates });
    const empty = digest.stories.length === 0 && !digest.note;
    const info = this.db
      .prepare(`INSERT INTO digests (subscription_id, window_key, window_start, window_end, model, status, next_attempt_at, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(subscription_id, window_key) DO NOTHING`)
      .run(sub.id, windowKey, digest.windowStart, digest.windowEnd, JSON.stringify(digest), empty ? 'empty' : 'pending', now, now);
    if (info.changes === 0) return undefined;
    const id = Number(info.lastInsertRowid);
    const seen = this.db.prepare(`INSERT INTO subscription_stories (subscription_id, story_id, source_count, digest_id) VALUES (?, ?, ?, ?)
      ON CONFLICT(subscription_id, story_id) DO UPDATE SET source_count = excluded.source_count, digest_id = excluded.digest_id`);
    for (const s of digest.stories) seen.run(sub.id, s.id, s.sourceCount, id);
    this.db.prepare('UPDATE subscriptions SET last_digest_at = ? WHERE id = ?').run(now, sub.id);
    return { id, subscriptionId: sub.id, status: empty ? 'empty' : 'pending', digest };
  }
}
