import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { migrate } from './migrate.js';

export type DB = Database.Database;

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** The database cannot be opened: one line naming the file and the likely fix (exit code 1). */
export class DatabaseOpenError extends Error {
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseOpenError';
  }
}

/**
 * Opens (creating if needed, unless `mustExist`) the SQLite file with WAL, foreign keys and a
 * busy timeout, then migrates it. Failures name the file: a directory, a file that is not an
 * SQLite database, a path that cannot be created.
 */
export function openDatabase(file: string, options: { migrationsDir?: string; mustExist?: boolean } = {}): DB {
  if (file !== ':memory:') {
    if (existsSync(file) && statSync(file).isDirectory()) throw new DatabaseOpenError(`database ${file} is a directory: give a file path (e.g. ${path.join(file, 'news-digest.db')})`);
    if (options.mustExist && !existsSync(file)) throw new DatabaseOpenError(`no database at ${file}: run \`npm run cli -- poll\` or \`npm start\` first, or pass --db with an existing file`);
    try {
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new DatabaseOpenError(`cannot create the directory of database ${file}: ${e.code === 'EACCES' ? 'permission denied' : e.code ?? e.message}${e.path ? ` (${e.path})` : ''}`, { cause: err });
    }
  }
  let db: DB;
  try {
    db = new Database(file);
  } catch (err) {
    throw new DatabaseOpenError(`cannot open database ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // Two workers (or the CLI beside the worker) may write at once: wait rather than fail.
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    migrate(db, options.migrationsDir ?? MIGRATIONS_DIR);
  } catch (err) {
    db.close();
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_NOTADB') throw new DatabaseOpenError(`${file} is not an SQLite database (give the bot's .db file with --db or DATABASE_PATH)`, { cause: err });
    if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') throw new DatabaseOpenError(`cannot write database ${file}: ${(err as Error).message} (check the file's and its directory's permissions)`, { cause: err });
    throw err;
  }
  return db;
}
