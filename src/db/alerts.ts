import { sql } from 'kysely';
import type { DB } from './store.js';

/** A story that reached a subscription's alert threshold and was not alerted to it yet. */
export interface AlertDue {
  subscriptionId: number;
  storyId: number;
  title: string;
  summary: string;
  sourceCount: number;
}

/** An alert sent earlier whose story has more outlets now than the message shows. */
export interface EditDue {
  subscriptionId: number;
  storyId: number;
  sourceCount: number;
  /** The alert's platform message id, as its outbox part recorded it. */
  messageId: string;
}

/** The per-(subscription, story) alert records; their messages are the alerts' outbox parts. */
export class AlertRepo {
  constructor(private readonly db: DB) {}

  /**
   * Stories of each alerting subscription's topics that have at least its threshold of outlets,
   * changed since alerts were turned on, were first reported after `oldest`, and have no alert
   * record for it. One query for every subscriber.
   */
  async alertsDue(oldest: number): Promise<AlertDue[]> {
    const r = await sql<AlertDue>`
      SELECT sub.id AS "subscriptionId", s.id AS "storyId", s.title, s.summary, s.source_count AS "sourceCount"
      FROM stories s JOIN subscriptions sub ON sub.active = 1 AND sub.alert_threshold IS NOT NULL
        AND ${this.db.jsonArrayHas('sub.topics', 's.topic_id')}
        AND s.source_count >= sub.alert_threshold AND s.updated_at >= sub.alerts_since
      WHERE s.last_published >= ${oldest} AND s.first_published >= ${oldest} AND s.merged_into IS NULL AND s.article_count > 0
        AND NOT EXISTS (SELECT 1 FROM story_alerts sa WHERE sa.subscription_id = sub.id AND sa.story_id = s.id)
      ORDER BY s.first_published, s.id, sub.id`.execute(this.db.k);
    return r.rows;
  }

  /** Records the alert queued as outbox entry `digestId`; false when one exists already. */
  async insert(subscriptionId: number, storyId: number, digestId: number, sourceCount: number, now: number): Promise<boolean> {
    const r = await this.db.k
      .insertInto('story_alerts')
      .values({ subscription_id: subscriptionId, story_id: storyId, digest_id: digestId, source_count: sourceCount, queued_at: now })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /**
   * Sent alerts (message id recorded) of stories changed since `recent` that now have more
   * outlets than last shown, whose last edit (else the alert itself) is older than `editedBefore`.
   */
  async editsDue(recent: number, editedBefore: number): Promise<EditDue[]> {
    const r = await sql<EditDue>`
      SELECT sa.subscription_id AS "subscriptionId", sa.story_id AS "storyId", s.source_count AS "sourceCount", p.platform_message_id AS "messageId"
      FROM stories s JOIN story_alerts sa ON sa.story_id = s.id
        JOIN subscriptions sub ON sub.id = sa.subscription_id
        JOIN digest_parts p ON p.digest_id = sa.digest_id AND p.seq = 0
      WHERE s.updated_at >= ${recent} AND s.merged_into IS NULL AND s.article_count > 0 AND s.source_count > sa.source_count
        AND sa.gone = 0 AND sub.active = 1 AND p.platform_message_id IS NOT NULL
        AND coalesce(sa.edited_at, p.sent_at) <= ${editedBefore}
      ORDER BY sa.story_id, sa.subscription_id`.execute(this.db.k);
    return r.rows;
  }

  /** The edit showing `sourceCount` outlets was queued now. */
  async markEdited(subscriptionId: number, storyId: number, sourceCount: number, now: number): Promise<void> {
    await this.db.k.updateTable('story_alerts').set({ source_count: sourceCount, edited_at: now }).where('subscription_id', '=', subscriptionId).where('story_id', '=', storyId).execute();
  }

  /** The alert that edit `editId` was for is gone from the chat: no more edits of it. */
  async markGone(editId: number): Promise<void> {
    await sql`UPDATE story_alerts SET gone = 1 WHERE (subscription_id, story_id) = (SELECT subscription_id, story_id FROM digests WHERE id = ${editId})`.execute(this.db.k);
  }
}
