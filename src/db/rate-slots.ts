import { sql } from 'kysely';
import type { DB } from './store.js';

/**
 * Send slots shared by every worker of one database (times in microseconds): a platform's rate limit is per bot, not per
 * process. Each call takes the next free slot of `name` (virtual scheduling: the slots are
 * `intervalMs` apart, and a slot in the past is not saved up for a burst).
 */
export class RateSlotRepo {
  constructor(private readonly db: DB) {}

  /** Takes the next slot of `name`; returns when it begins (now, or later: the caller waits till then). */
  async take(name: string, earliest: number, gapMs: number): Promise<number> {
    // In whole microseconds (the column is an integer): a gap such as 1000/29 ms stays exact.
    const now = Math.floor(earliest * 1000);
    const gap = Math.ceil(gapMs * 1000);
    const r = await sql<{ next_at: number }>`
      INSERT INTO rate_slots (name, next_at) VALUES (${name}, ${now + gap})
      ON CONFLICT (name) DO UPDATE SET next_at = CASE WHEN rate_slots.next_at > ${now} THEN rate_slots.next_at + ${gap} ELSE ${now + gap} END
      RETURNING next_at`.execute(this.db.k);
    return (Number(r.rows[0]!.next_at) - gap) / 1000;
  }
}
