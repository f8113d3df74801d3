import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, Store } from '../src/db/store.js';
import { MigrationError } from '../src/db/migrate.js';
import { ArticleRepo } from '../src/db/articles.js';
import { FeedRepo } from '../src/db/feeds.js';
import { StoryRepo } from '../src/db/stories.js';
import { tempDir } from './helpers/app.js';

describe('migrations', () => {
  const dirs: { cleanup(): void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));
  const tmp = () => {
    const d = tempDir();
    dirs.push(d);
    return d.dir;
  };

  it('applies every migration once, in order, and records it', async () => {
    const file = path.join(tmp(), 'a.db');
    const store = Store.openSqlite(file);
    const db = store.sqlite!;
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(versions[0]).toBe('0001_init.sql');
    expect(versions).toEqual([...versions].sort());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    await store.close();
    // Restart: nothing re-applied, nothing fails.
    const again = Store.openSqlite(file);
    expect(again.sqlite!.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(versions.length);
    await again.close();
  });

  it('rolls a broken migration back whole and leaves the database as it was', () => {
    const dir = tmp();
    const migrations = path.join(dir, 'migrations');
    cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
    writeFileSync(path.join(migrations, 'sqlite', '9999_broken.sql'), 'CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n');
    const file = path.join(dir, 'b.db');
    expect(() => Store.openSqlite(file, { migrationsDir: migrations })).toThrow(MigrationError);
    expect(() => Store.openSqlite(file, { migrationsDir: migrations })).toThrow(/migration 9999_broken.sql failed: no such table: no_such_table/);
    const raw = new Database(file);
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toContain('articles');
    expect(tables).not.toContain('half_done');
    expect(raw.prepare("SELECT count(*) FROM schema_migrations WHERE version = '9999_broken.sql'").pluck().get()).toBe(0);
    raw.close();
  });

  it('0013 copies the members\' times and outlets onto an existing database\'s memberships', async () => {
    const dir = tmp();
    const migrations = path.join(dir, 'migrations');
    cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
    rmSync(path.join(migrations, 'sqlite', '0013_story_member_spans.sql'));
    const file = path.join(dir, 'c.db');
    const old = Store.openSqlite(file, { migrationsDir: migrations });
    const T = Date.parse('2026-03-02T09:00:00Z');
    const feed = (await new FeedRepo(old).add('https://a.example/rss', 'user', T)).feed.id;
    const item = (n: number, source: string | null) => ({ guid: `g${n}`, url: `https://a.example/${n}`, link: `https://a.example/${n}`, title: `T${n}`, description: '', content: '', author: null, source, publishedAt: T + n * 60_000, contentHash: `h${n}` });
    const ids = (await new ArticleRepo(old).upsertMany(feed, [item(1, 'Reuters'), item(2, 'AP'), item(3, 'Reuters')], T)).map((r) => r.id);
    await new StoryRepo(old).create(1, 'patriot-ukraine', 'T1', T, T);
    for (const id of ids) old.sqlite!.prepare("INSERT INTO story_articles (story_id, article_id, similarity, reason, added_at) VALUES (1, ?, 1, 'first', ?)").run(id, T);
    await old.close();

    const store = Store.openSqlite(file);
    const stories = new StoryRepo(store);
    await stories.refresh([1], T + 1);
    expect(await stories.get(1)).toMatchObject({ article_count: 3, source_count: 2, first_published: T + 60_000, last_published: T + 180_000 });
    await store.close();
  });
});
