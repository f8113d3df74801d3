import { cpSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, Store } from '../src/db/store.js';
import { tempDir } from './helpers/app.js';

describe('migration 0007 (dead letter, attempts, worker ids)', () => {
  const dirs: { cleanup(): void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

  it('rebuilds the outbox tables without losing a digest, a part or what a subscriber has seen', async () => {
    const tmp = tempDir();
    dirs.push(tmp);
    // A database as the previous release left it: every migration before 0007.
    const before = path.join(tmp.dir, 'before');
    cpSync(path.join(MIGRATIONS_DIR, 'sqlite'), path.join(before, 'sqlite'), { recursive: true });
    for (const f of readdirSync(path.join(before, 'sqlite'))) if (f >= '0007') rmSync(path.join(before, 'sqlite', f));
    const file = path.join(tmp.dir, 'old.db');
    const oldStore = Store.openSqlite(file, { migrationsDir: before });
    const old = oldStore.sqlite!;
    expect(old.prepare("SELECT count(*) FROM schema_migrations WHERE version >= '0007'").pluck().get()).toBe(0);
    old.exec(`INSERT INTO subscriptions (id, platform, chat_id, topics, schedule, timezone, max_stories, created_at, updated_at)
        VALUES (1, 'telegram', '100', '["t"]', 'daily 08:00', 'Europe/Kyiv', 10, 1, 1);
      INSERT INTO stories (id, topic_id, title, first_published, last_published, created_at, updated_at) VALUES (7, 't', 'A story', 1, 1, 1, 1);
      INSERT INTO digests (id, subscription_id, window_key, window_start, window_end, model, status, attempts, next_attempt_at, lease_owner, lease_until, last_error, created_at, sent_at)
        VALUES (3, 1, 'k', 0, 1, '{}', 'sending', 2, 5, 'w', 9, 'Bad Gateway', 1, NULL);
      INSERT INTO digest_parts (digest_id, seq, payload, platform_message_id, sent_at) VALUES (3, 0, '"one"', '55', 4), (3, 1, '"two"', NULL, NULL);
      INSERT INTO subscription_stories (subscription_id, story_id, source_count, digest_id) VALUES (1, 7, 2, 3);`);
    await oldStore.close();

    const store = Store.openSqlite(file);
    const db = store.sqlite!;
    expect(db.prepare('SELECT id, status, attempts, next_attempt_at, lease_owner, lease_until, last_error, failing_since, dead_at FROM digests').all()).toEqual([
      { id: 3, status: 'sending', attempts: 2, next_attempt_at: 5, lease_owner: 'w', lease_until: 9, last_error: 'Bad Gateway', failing_since: null, dead_at: null },
    ]);
    expect(db.prepare('SELECT seq, payload, platform_message_id, attempted_at, resends FROM digest_parts ORDER BY seq').all()).toEqual([
      { seq: 0, payload: '"one"', platform_message_id: '55', attempted_at: null, resends: 0 },
      { seq: 1, payload: '"two"', platform_message_id: null, attempted_at: null, resends: 0 },
    ]);
    expect(db.prepare('SELECT subscription_id, story_id, source_count, digest_id FROM subscription_stories').all()).toEqual([{ subscription_id: 1, story_id: 7, source_count: 2, digest_id: 3 }]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // The rebuilt tables keep their cascades, and 'dead' is a status now.
    db.prepare("UPDATE digests SET status = 'dead' WHERE id = 3").run();
    db.prepare('DELETE FROM digests WHERE id = 3').run();
    expect(db.prepare('SELECT (SELECT count(*) FROM digest_parts) + (SELECT count(*) FROM subscription_stories)').pluck().get()).toBe(0);
    await store.close();
  });
});
