import { sql } from 'kysely';
import type { DB } from './store.js';

/**
 * Send slots shared by every worker of one database: a platform's rate limit is per bot, not per
 * process. Each call takes the next free slot of `name` (virtual scheduling: the slots are
 * `intervalMs` apart, and a slot in the past is not saved up for a burst).
 */
export class RateSlotRepo {
  constructor(private readonly db: DB) {}

  /** Takes the next slot of `name`; returns when it begins (now, or later: the caller waits till then). */
  async take(name: string, earliest: number, gapMs: number): Promise<number> {
    // Whole milliseconds (the column is an integer): the gap rounded up, so the pace stays under the limit.
    const now = Math.floor(earliest);
    const intervalMs = Math.ceil(gapMs);
    const r = await sql<{ next_at: number }>`
      INSERT INTO rate_slots (name, next_at) VALUES (${name}, ${now + intervalMs})
      ON CONFLICT (name) DO UPDATE SET next_at = CASE WHEN rate_slots.next_at > ${now} THEN rate_slots.next_at + ${intervalMs} ELSE ${now + intervalMs} END
      RETURNING next_at`.execute(this.db.k);
    return Number(r.rows[0]!.next_at) - intervalMs;
  }
}
