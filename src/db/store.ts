import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, type RawBuilder } from 'kysely';
import type pg from 'pg';
import { loadPg } from './pg-module.js';
import { migratePostgres, migrateSqlite } from './migrate.js';
import type { Schema } from './schema.js';
import { sqliteDialect } from './sqlite-driver.js';

export type Engine = 'sqlite' | 'postgres';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** The database cannot be opened: one line naming it and the likely fix (exit code 1). */
export class DatabaseOpenError extends Error {
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseOpenError';
  }
}

/** A PostgreSQL connection string (else the target is an SQLite file). */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(target);
}

/** The target as it may be shown: a URL without its password. */
export function displayName(target: string): string {
  if (!isPostgresUrl(target)) return target;
  try {
    const u = new URL(target);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/**
 * The store whose transaction the running code is inside of. A query on the store itself (not on
 * the transaction's handle) from there would wait for the transaction's own connection (SQLite)
 * or escape it and wait for its row locks (PostgreSQL): such a query throws at once instead.
 */
const insideTransaction = new AsyncLocalStorage<{ token: object; open: boolean }>();

/** Throws when the running code is inside a transaction of `token`'s store (see {@link insideTransaction}). */
export function assertOutsideTransaction(token: object): void {
  const inside = insideTransaction.getStore();
  // (Work started inside a transaction and still running after it ended is free to query.)
  if (inside?.token === token && inside.open) {
    throw new Error('a query on the database handle inside a transaction of it: use the transaction\'s handle (it would wait for the transaction forever)');
  }
}

interface TransactionOptions {
  /**
   * The story grouper's own writes (PostgreSQL): they do not move the grouping epoch, which
   * tells the grouper that someone else changed the stories it keeps in memory.
   */
  grouper?: boolean;
}

/**
 * A database handle: the Kysely query builder `k` on the store's engine, outside or inside a
 * transaction. Repositories take one; what they run inside `transaction()` is all or nothing.
 */
export class DB {
  constructor(
    /** The query builder (a Kysely transaction inside `transaction()`). */
    readonly k: Kysely<Schema>,
    readonly engine: Engine,
    /** The store this handle belongs to (what {@link assertOutsideTransaction} checks). */
    protected readonly token: object,
  ) {}

  get isTransaction(): boolean {
    return this.k.isTransaction;
  }

  /**
   * Runs `fn` in a write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: READ COMMITTED), or
   * in the enclosing one when this handle is already inside a transaction.
   */
  transaction<T>(fn: (tx: DB) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.k.isTransaction) return fn(this);
    return this.k.transaction().execute((trx) => {
      const inside = { token: this.token, open: true };
      return insideTransaction.run(inside, async () => {
        try {
          if (options.grouper && this.engine === 'postgres') await sql`SELECT set_config('news_digest.grouper', 'on', true)`.execute(trx);
          return await fn(new DB(trx, this.engine, this.token));
        } finally {
          inside.open = false;
        }
      });
    });
  }

  /** `column IN (values)` with the values as one parameter, so the SQL text is the same for any number of them. */
  inList(column: string, values: readonly (number | string)[]): RawBuilder<boolean> {
    const ref = sql.ref(column);
    if (this.engine === 'postgres') {
      const type = values.every((v) => typeof v === 'number') ? sql.raw('bigint[]') : sql.raw('text[]');
      return sql<boolean>`${ref} = ANY(CAST(${values} AS ${type}))`;
    }
    return sql<boolean>`${ref} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
  }

  /** Does the JSON text array in `column` (e.g. a subscription's topics) hold the value of `valueColumn`? */
  jsonArrayHas(column: string, valueColumn: string): RawBuilder<boolean> {
    if (this.engine === 'postgres') return sql<boolean>`${sql.ref(valueColumn)} IN (SELECT jsonb_array_elements_text(CAST(${sql.ref(column)} AS jsonb)))`;
    return sql<boolean>`${sql.ref(valueColumn)} IN (SELECT value FROM json_each(${sql.ref(column)}))`;
  }
}

export interface OpenOptions {
  migrationsDir?: string;
  /** Read commands: the database must exist already (and have been set up). */
  mustExist?: boolean;
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number;
}

/**
 * The open database: SQLite (a file; the embedded default) or PostgreSQL (a postgres:// URL),
 * migrated on open. Everything reads and writes through `k` (Kysely); SQL lives in src/db/.
 */
export class Store extends DB {
  private closed = false;

  private constructor(
    k: Kysely<Schema>,
    engine: Engine,
    /** The file, or the URL without its password. */
    readonly name: string,
    /** SQLite: the better-sqlite3 handle (pragmas, integrity checks, tests). */
    readonly sqlite: BetterSqlite3.Database | undefined,
    /** PostgreSQL: the pool behind `k` (the grouper's role lock takes a connection of its own). */
    readonly pool: pg.Pool | undefined,
    /** PostgreSQL: the connection string (the role lock opens a client of its own with it). */
    readonly url: string | undefined,
    token: object,
  ) {
    super(k, engine, token);
  }

  get open(): boolean {
    return !this.closed && (this.sqlite ? this.sqlite.open : true);
  }

  /** Opens `target` (an SQLite file or a postgres:// URL) and applies the migrations it lacks. */
  static async open(target: string, options: OpenOptions = {}): Promise<Store> {
    return isPostgresUrl(target) ? Store.openPostgres(target, options) : Store.openSqlite(target, options);
  }

  /** SQLite, synchronously (the engine is in-process). */
  static openSqlite(file: string, options: OpenOptions = {}): Store {
    if (file !== ':memory:') {
      if (existsSync(file) && statSync(file).isDirectory()) throw new DatabaseOpenError(`database ${file} is a directory: give a file path (e.g. ${path.join(file, 'news-digest.db')})`);
      if (options.mustExist && !existsSync(file)) throw new DatabaseOpenError(`no database at ${file}: run \`npm run cli -- poll\` or \`npm start\` first, or pass --db with an existing file`);
      try {
        mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new DatabaseOpenError(`cannot create the directory of database ${file}: ${e.code === 'EACCES' ? 'permission denied' : (e.code ?? e.message)}${e.path ? ` (${e.path})` : ''}`, { cause: err });
      }
    }
    let raw: BetterSqlite3.Database;
    try {
      raw = new BetterSqlite3(file);
    } catch (err) {
      throw new DatabaseOpenError(`cannot open database ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      raw.pragma('journal_mode = WAL');
      raw.pragma('foreign_keys = ON');
      // Two workers (or the CLI beside the worker) may write at once: wait rather than fail.
      raw.pragma('busy_timeout = 5000');
      raw.pragma('synchronous = NORMAL');
      migrateSqlite(raw, path.join(options.migrationsDir ?? MIGRATIONS_DIR, 'sqlite'));
    } catch (err) {
      raw.close();
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_NOTADB') throw new DatabaseOpenError(`${file} is not an SQLite database (give the bot's .db file with --db or DATABASE_PATH)`, { cause: err });
      if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') throw new DatabaseOpenError(`cannot write database ${file}: ${(err as Error).message} (check the file's and its directory's permissions)`, { cause: err });
      throw err;
    }
    const token = {};
    return new Store(new Kysely<Schema>({ dialect: sqliteDialect(raw, () => assertOutsideTransaction(token)) }), 'sqlite', file, raw, undefined, undefined, token);
  }

  private static async openPostgres(url: string, options: OpenOptions): Promise<Store> {
    const name = displayName(url);
    const pg = await loadPg();
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types: pgTypes(pg), application_name: 'news-digest', connectionTimeoutMillis: 10_000 });
    // An idle connection the server dropped is replaced at the next query; it must not crash the process.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        if (options.mustExist) {
          const set = await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS ok");
          if (!set.rows[0]?.ok) throw new DatabaseOpenError(`no news-digest tables in ${name}: run \`npm run cli -- poll\` or \`npm start\` with it first`);
        }
        await migratePostgres(client, path.join(options.migrationsDir ?? MIGRATIONS_DIR, 'postgres'));
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => undefined);
      if (err instanceof DatabaseOpenError) throw err;
      throw new DatabaseOpenError(`cannot open database ${name}: ${describePgError(err)}`, { cause: err });
    }
    const token = {};
    const guarded = {
      connect: () => {
        assertOutsideTransaction(token);
        return pool.connect();
      },
      end: () => pool.end(),
    };
    return new Store(new Kysely<Schema>({ dialect: new PostgresDialect({ pool: guarded }) }), 'postgres', name, undefined, pool, url, token);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.k.destroy();
    // Kysely destroys only a driver it has started (at the first query through it).
    if (this.sqlite?.open) this.sqlite.close();
    if (this.pool && !this.pool.ended) await this.pool.end().catch(() => undefined);
  }

  /**
   * Changes when another process (another connection) changed the stories: SQLite's
   * `data_version`; on PostgreSQL the grouping epoch, moved by every change to stories and their
   * members made outside the grouper's own transactions.
   */
  async dataVersion(db: DB = this): Promise<number> {
    if (this.sqlite) return this.sqlite.pragma('data_version', { simple: true }) as number;
    const r = await db.k.selectFrom('grouping_epoch').select('version').where('id', '=', 1).executeTakeFirst();
    return r?.version ?? 0;
  }
}

/** BIGINT (counts, ids, times in ms) and NUMERIC (sums) as JavaScript numbers: every value here is far below 2^53. */
function pgTypes(pg: Awaited<ReturnType<typeof loadPg>>): pg.CustomTypesConfig {
  return {
    getTypeParser: (oid: number, format?: string) => {
      if (oid === 20 || oid === 1700) return (v: string) => (v === null ? null : Number(v));
      return pg.types.getTypeParser(oid, format as 'text');
    },
  } as unknown as pg.CustomTypesConfig;
}

/** One line for a connection failure: what the server or the network said. */
export function describePgError(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: { message: string }[] };
  if (e.code === 'ECONNREFUSED') return `connection refused (is PostgreSQL running there?)`;
  if (e.code === '28P01') return 'password authentication failed (check the user and password in DATABASE_URL)';
  if (e.code === '3D000') return `${e.message} (create it: createdb NAME)`;
  if (e.errors?.length) return e.errors.map((x) => x.message).join('; ');
  return e.message ?? String(err);
}
