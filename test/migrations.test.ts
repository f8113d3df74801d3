import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, Store } from '../src/db/store.js';
import { MigrationError } from '../src/db/migrate.js';
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
});
