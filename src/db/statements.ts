import type Database from 'better-sqlite3';
import type { DB } from './open.js';

const caches = new WeakMap<DB, Map<string, Database.Statement>>();

/**
 * A prepared statement, compiled once per connection and SQL text: repositories run the same
 * queries for every article, and compiling them each time cost as much as running them. The
 * statement's output mode is reset (a call site that wants `.pluck()` or `.raw()` sets it again).
 */
export function prepared(db: DB, sql: string): Database.Statement {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  else if (stmt.reader) stmt.raw(false).pluck(false);
  return stmt;
}
