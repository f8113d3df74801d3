import { cpSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, Store } from '../src/db/store.js';
import { tempDir } from './helpers/app.js';

describe('migration 0011 (alerts, quiet hours, filters)', () => {
  const dirs: { cleanup(): void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

  it('keeps subscriptions and digests as they were, with alerts off and every outbox entry a digest', async () => {
    const tmp = tempDir();
    dirs.push(tmp);
    const before = path.join(tmp.dir, 'before');
    cpSync(path.join(MIGRATIONS_DIR, 'sqlite'), path.join(before, 'sqlite'), { recursive: true });
    for (const f of readdirSync(path.join(before, 'sqlite'))) if (f >= '0011') rmSync(path.join(before, 'sqlite', f));
    const file = path.join(tmp.dir, 'old.db');
    const oldStore = Store.openSqlite(file, { migrationsDir: before });
    const old = oldStore.sqlite!;
    expect(old.prepare("SELECT count(*) FROM schema_migrations WHERE version >= '0011'").pluck().get()).toBe(0);
    old.exec(`INSERT INTO subscriptions (id, platform, chat_id, topics, schedule, timezone, max_stories, created_at, updated_at)
        VALUES (1, 'telegram', '100', '["t"]', 'daily 08:00', 'Europe/Kyiv', 10, 1, 1);
      INSERT INTO stories (id, topic_id, title, first_published, last_published, created_at, updated_at) VALUES (7, 't', 'A story', 1, 1, 1, 1);
      INSERT INTO digests (id, subscription_id, window_key, window_start, window_end, model, status, next_attempt_at, created_at) VALUES (3, 1, 'k', 0, 1, '{}', 'sent', 5, 1);`);
    await oldStore.close();

    const store = Store.openSqlite(file);
    const db = store.sqlite!;
    expect(db.prepare('SELECT alert_threshold, alert_skip_digest, alerts_since, quiet_start, quiet_end, quiet_mode FROM subscriptions').get()).toEqual({
      alert_threshold: null,
      alert_skip_digest: 0,
      alerts_since: null,
      quiet_start: null,
      quiet_end: null,
      quiet_mode: 'wait',
    });
    expect(db.prepare('SELECT id, kind, story_id, target_message_id, silent, status FROM digests').all()).toEqual([{ id: 3, kind: 'digest', story_id: null, target_message_id: null, silent: 0, status: 'sent' }]);
    expect(() => db.prepare("UPDATE digests SET kind = 'poster' WHERE id = 3").run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare("UPDATE subscriptions SET quiet_mode = 'loud'").run()).toThrow(/CHECK constraint failed/);
    // Alert records and filters go with their subscription, story or outbox entry.
    db.exec(`INSERT INTO story_alerts (subscription_id, story_id, digest_id, source_count, queued_at) VALUES (1, 7, 3, 3, 1);
      INSERT INTO subscription_filters (subscription_id, kind, term, created_at) VALUES (1, 'exclude', 'football', 1);`);
    db.prepare('DELETE FROM digests WHERE id = 3').run();
    expect(db.prepare('SELECT count(*) FROM story_alerts').pluck().get()).toBe(0);
    db.prepare('DELETE FROM subscriptions WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM subscription_filters').pluck().get()).toBe(0);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    await store.close();
  });
});
