import type BetterSqlite3 from 'better-sqlite3';
import {
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type CompiledQuery,
  type Kysely,
  type QueryResult,
} from 'kysely';

/** Statements kept compiled per connection (an LRU: `IN` lists of every length would grow it without bound). */
const STATEMENT_CACHE = 512;
/**
 * better-sqlite3 answers at once, so a loop of queries (a fan-out being built, a batch being
 * processed) would run on microtasks alone and starve timers and network I/O (the sends it
 * is meant to overlap with, /healthz, chat commands): every this many ms the driver lets them run.
 */
const YIELD_EVERY_MS = 10;

/**
 * Kysely over better-sqlite3, for this project's use: every transaction is a write transaction
 * taken at once (BEGIN IMMEDIATE: two processes serialise on the write lock instead of failing
 * to upgrade a read lock), each SQL text is compiled once per connection (compiling cost as much
 * as running the per-article queries), and booleans are bound as 0/1. One connection, shared in
 * turn (a mutex), as Kysely's own SQLite driver does.
 */
export function sqliteDialect(raw: BetterSqlite3.Database, beforeAcquire: () => void = () => undefined): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new Driver_(raw, beforeAcquire),
    createIntrospector: (db: Kysely<unknown>) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}

class Driver_ implements Driver {
  private readonly connection: Connection;
  private readonly mutex = new Mutex();

  constructor(
    private readonly raw: BetterSqlite3.Database,
    /** Throws when the caller is inside a transaction of this connection (it would wait for itself). */
    private readonly beforeAcquire: () => void,
  ) {
    this.connection = new Connection(raw);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    this.beforeAcquire();
    await this.mutex.lock();
    return this.connection;
  }

  async beginTransaction(): Promise<void> {
    this.raw.exec('BEGIN IMMEDIATE');
  }

  async commitTransaction(): Promise<void> {
    this.raw.exec('COMMIT');
  }

  async rollbackTransaction(): Promise<void> {
    // A failed COMMIT (SQLITE_BUSY, disk full) may already have ended the transaction.
    if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
  }

  async releaseConnection(): Promise<void> {
    this.mutex.unlock();
  }

  async destroy(): Promise<void> {
    if (this.raw.open) this.raw.close();
  }
}

class Connection implements DatabaseConnection {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private lastYield = performance.now();

  constructor(private readonly raw: BetterSqlite3.Database) {}

  private statement(sql: string): BetterSqlite3.Statement {
    let stmt = this.statements.get(sql);
    if (stmt) {
      // Most recently used last.
      this.statements.delete(sql);
    } else {
      stmt = this.raw.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, stmt);
    return stmt;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (performance.now() - this.lastYield > YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.lastYield = performance.now();
    }
    const stmt = this.statement(compiled.sql);
    const params = bind(compiled.parameters);
    if (stmt.reader) return { rows: stmt.all(params) as R[] };
    const { changes, lastInsertRowid } = stmt.run(params);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const stmt = this.statement(compiled.sql);
    for (const row of stmt.iterate(bind(compiled.parameters))) yield { rows: [row as R] };
  }
}

function bind(parameters: readonly unknown[]): unknown[] {
  return parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/**
 * First come, first served: the connection goes to the longest waiter. (Woken all at once, the
 * waiters would race, and a loop of short transactions, such as a fan-out being built, would win
 * every time: the sends waiting beside it would wait for the whole loop.)
 */
class Mutex {
  private locked = false;
  private readonly waiters: (() => void)[] = [];

  async lock(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  unlock(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}
