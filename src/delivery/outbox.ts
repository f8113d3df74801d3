import type { LoadedConfig } from '../config/load.js';
import type { DB } from '../db/open.js';
import { OutboxRepo } from '../db/outbox.js';
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
  private readonly repo: OutboxRepo;

  constructor(
    private readonly db: DB,
    private readonly config: LoadedConfig,
    private readonly subscriptions: SubscriptionService,
    private readonly clock: () => number = Date.now,
    /** Term weights of the story pipeline, read only when a digest has an update to write. */
    private readonly idf?: () => IdfModel,
  ) {
    this.repo = new OutboxRepo(db);
  }

  /**
   * Digests for every subscription whose time has come. A subscription that missed several
   * times while the process was down gets one digest, keyed by its first missed time.
   */
  createDue(): CreatedDigest[] {
    const now = this.clock();
    const out: CreatedDigest[] = [];
    for (const id of this.repo.dueSubscriptionIds(now)) {
      const created = this.repo.immediate(() => {
        // Re-read under the write lock: another worker may have just handled this due time.
        const sub = this.subscriptions.byId(id);
        if (!sub || !sub.active || sub.nextDueAt === null || sub.nextDueAt > now) return undefined;
        const key = new Date(sub.nextDueAt).toISOString();
        const next = nextRun(parseSchedule(sub.schedule), sub.timezone, now);
        this.repo.setNextDue(sub.id, next);
        return this.insert(sub, key, now);
      });
      if (created) out.push(created);
    }
    return out;
  }

  /** `/digest now`: a digest at once, which counts as the last digest. */
  createNow(subscriptionId: number): CreatedDigest | undefined {
    const now = this.clock();
    return this.repo.immediate(() => {
      const sub = this.subscriptions.byId(subscriptionId);
      if (!sub) return undefined;
      return this.insert(sub, `now:${now}`, now);
    });
  }

  private insert(sub: Subscription, windowKey: string, now: number): CreatedDigest | undefined {
    const digest = buildDigest(this.db, this.config, sub, now, now, { idf: this.idf, updateCache: this.updates });
    const empty = digest.stories.length === 0 && !digest.note;
    const id = this.repo.insertDigest({ subscriptionId: sub.id, windowKey, windowStart: digest.windowStart, windowEnd: digest.windowEnd, model: JSON.stringify(digest), status: empty ? 'empty' : 'pending', now });
    if (id === undefined) return undefined;
    this.repo.markSeen(sub.id, id, digest.stories, now);
    return { id, subscriptionId: sub.id, status: empty ? 'empty' : 'pending', digest };
  }
}
