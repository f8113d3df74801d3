import type { LoadedConfig } from '../config/load.js';
import type { DB } from '../db/store.js';
import { SubscriptionRepo } from '../db/subscriptions.js';
import { OutboxRepo } from '../db/outbox.js';
import { buildDigest, type UpdateCache } from '../digest/build.js';
import type { DigestMember } from '../db/digest-stories.js';
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

/** While building many due digests, sending starts after each this many. */
const SEND_EVERY = 20;

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
    private readonly idf?: (db: DB) => Promise<IdfModel>,
  ) {
  }

  /**
   * Digests for every subscription whose time has come. A subscription that missed several
   * times while the process was down gets one digest, keyed by its first missed time.
   */
  async createDue(onBatch?: () => void): Promise<CreatedDigest[]> {
    const now = this.clock();
    const out: CreatedDigest[] = [];
    // The subscribers due together are mostly shown the same stories: their members are read once.
    const members = new Map<number, DigestMember[]>();
    for (const id of await new SubscriptionRepo(this.db).dueIds(now)) {
      const created = await this.db.transaction(async (tx) => {
        // Re-read under the lock (SQLite's write lock, PostgreSQL's row lock): another worker may
        // have just handled this due time.
        const sub = await new SubscriptionRepo(tx).byId(id, { lock: true });
        if (!sub || !sub.active || sub.nextDueAt === null || sub.nextDueAt > now) return undefined;
        const key = new Date(sub.nextDueAt).toISOString();
        const next = nextRun(parseSchedule(sub.schedule), sub.timezone, now);
        await new SubscriptionRepo(tx).setNextDue(sub.id, next);
        return this.insert(tx, sub, key, now, members);
      });
      if (created) {
        out.push(created);
        // A fan-out to many subscribers is sent while the rest is still being built.
        if (out.length % SEND_EVERY === 0) onBatch?.();
      }
    }
    return out;
  }

  /** `/digest now`: a digest at once, which counts as the last digest. */
  createNow(subscriptionId: number): Promise<CreatedDigest | undefined> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const sub = await new SubscriptionRepo(tx).byId(subscriptionId, { lock: true });
      if (!sub) return undefined;
      return this.insert(tx, sub, `now:${now}`, now);
    });
  }

  private async insert(tx: DB, sub: Subscription, windowKey: string, now: number, memberCache?: Map<number, DigestMember[]>): Promise<CreatedDigest | undefined> {
    const digest = await buildDigest(tx, this.config, sub, now, now, { idf: this.idf, updateCache: this.updates, ...(memberCache ? { memberCache } : {}) });
    const empty = digest.stories.length === 0 && !digest.note;
    const repo = new OutboxRepo(tx);
    const id = await repo.insertDigest({ subscriptionId: sub.id, windowKey, windowStart: digest.windowStart, windowEnd: digest.windowEnd, model: JSON.stringify(digest), status: empty ? 'empty' : 'pending', now });
    if (id === undefined) return undefined;
    await repo.markSeen(sub.id, id, digest.stories, now);
    return { id, subscriptionId: sub.id, status: empty ? 'empty' : 'pending', digest };
  }
}
