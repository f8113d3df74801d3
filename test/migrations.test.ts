import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, openDatabase } from '../src/db/open.js';
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

  it('applies every migration once, in order, and records it', () => {
    const file = path.join(tmp(), 'a.db');
    const db = openDatabase(file);
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(versions[0]).toBe('0001_init.sql');
    expect(versions).toEqual([...versions].sort());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
    // Restart: nothing re-applied, nothing fails.
    const again = openDatabase(file);
    expect(again.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(versions.length);
    again.close();
  });

  it('rolls a broken migration back whole and leaves the database as it was', () => {
    const dir = tmp();
    const migrations = path.join(dir, 'migrations');
    cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
    writeFileSync(path.join(migrations, '9999_broken.sql'), 'CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n');
    const file = path.join(dir, 'b.db');
    expect(() => openDatabase(file, { migrationsDir: migrations })).toThrow(MigrationError);
    expect(() => openDatabase(file, { migrationsDir: migrations })).toThrow(/migration 9999_broken.sql failed: no such table: no_such_table/);
    const raw = new Database(file);
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toContain('articles');
    expect(tables).not.toContain('half_done');
    expect(raw.prepare("SELECT count(*) FROM schema_migrations WHERE version = '9999_broken.sql'").pluck().get()).toBe(0);
    raw.close();
  });
});
