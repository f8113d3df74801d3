import type { LoadedConfig } from '../config/load.js';
import { AlertRepo } from '../db/alerts.js';
import type { DB } from '../db/store.js';
import { SubscriptionRepo } from '../db/subscriptions.js';
import { OutboxRepo } from '../db/outbox.js';
import { alertStory } from '../digest/build.js';
import { StoryFilter } from '../digest/filters.js';
import type { Alert, DigestStory } from '../digest/model.js';
import { quietUntil } from '../digest/quiet-hours.js';
import type { Subscription, SubscriptionService } from '../digest/subscriptions.js';

/** One alert message is edited at most this often: a story picked up by 20 outlets in an hour is 6 edits, not 20. */
export const EDIT_INTERVAL_MS = 10 * 60_000;
/** A story first reported longer ago is not breaking news: turning alerts on never floods a chat with old stories. */
export const ALERT_MAX_AGE_MS = 48 * 3_600_000;

export interface QueuedAlerts {
  alerts: number;
  edits: number;
}

/**
 * Queues breaking-story alerts and their edits into the outbox, where the sender delivers them
 * like digests (leases, pacing, retries). An alert is keyed "alert:<story>" and an edit
 * "edit:<story>:<outlets>" per subscription, so however often this runs and however many workers
 * run it, a story is alerted once per chat and each growth is edited in once.
 */
export class AlertQueue {
  constructor(
    private readonly db: DB,
    private readonly config: LoadedConfig,
    private readonly subscriptions: SubscriptionService,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Finds what is due now and queues it, in one write transaction. */
  queue(): Promise<QueuedAlerts> {
    const now = this.clock();
    const result: QueuedAlerts = { alerts: 0, edits: 0 };
    return this.db.transaction(async (tx) => {
      const alerts = new AlertRepo(tx);
      const outbox = new OutboxRepo(tx);
      const subRepo = new SubscriptionRepo(tx);
      // Per run: every subscriber of a story gets the same rendering of it, built once.
      const stories = new Map<number, DigestStory | undefined>();
      const story = async (id: number) => {
        if (!stories.has(id)) stories.set(id, await alertStory(tx, id));
        return stories.get(id);
      };
      // Every subscriber with something due, and its filters, read at once.
      const alertsDue = await alerts.alertsDue(now - ALERT_MAX_AGE_MS);
      const editsDue = await alerts.editsDue(now - ALERT_MAX_AGE_MS, now - EDIT_INTERVAL_MS);
      const ids = [...new Set([...alertsDue, ...editsDue].map((d) => d.subscriptionId))];
      const rows = await subRepo.byIds(ids);
      const filters = await subRepo.filtersOf(ids);
      const subscription = async (id: number) => {
        const sub = rows.get(id);
        return sub && { sub, filter: new StoryFilter(filters.get(id) ?? []) };
      };
      for (const due of alertsDue) {
        const entry = await subscription(due.subscriptionId);
        const s = await story(due.storyId);
        if (!entry || !s || !entry.filter.passes(due)) continue;
        const quiet = entry.sub.quiet ? quietUntil(entry.sub.quiet, entry.sub.timezone, now) : null;
        const id = await outbox.insertDigest({
          subscriptionId: due.subscriptionId,
          windowKey: `alert:${due.storyId}`,
          windowStart: now,
          windowEnd: now,
          model: JSON.stringify(this.alert(entry.sub, s, now)),
          status: 'pending',
          now,
          kind: 'alert',
          storyId: due.storyId,
          // Quiet hours: wait for their end, or go now without a sound.
          silent: quiet !== null && entry.sub.quiet!.mode === 'silent',
          notBefore: quiet !== null && entry.sub.quiet!.mode === 'wait' ? quiet : undefined,
        });
        if (id !== undefined && (await alerts.insert(due.subscriptionId, due.storyId, id, s.sourceCount, now))) result.alerts++;
      }
      for (const due of editsDue) {
        const entry = await subscription(due.subscriptionId);
        const s = await story(due.storyId);
        if (!entry || !s) continue;
        // Edits never notify, so quiet hours do not hold them.
        const id = await outbox.insertDigest({
          subscriptionId: due.subscriptionId,
          windowKey: `edit:${due.storyId}:${due.sourceCount}`,
          windowStart: now,
          windowEnd: now,
          model: JSON.stringify(this.alert(entry.sub, s, now)),
          status: 'pending',
          now,
          kind: 'edit',
          storyId: due.storyId,
          targetMessageId: due.messageId,
        });
        await alerts.markEdited(due.subscriptionId, due.storyId, due.sourceCount, now);
        if (id !== undefined) result.edits++;
      }
      return result;
    });
  }

  private alert(sub: Subscription, story: DigestStory, now: number): Alert {
    const topic = this.config.topics.find((t) => t.id === story.topic);
    return { subscriptionId: sub.id, topic: { id: story.topic, name: topic?.name ?? story.topic }, timezone: sub.timezone, generatedAt: now, story };
  }
}
