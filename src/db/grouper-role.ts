import pg from 'pg';
import { sql } from 'kysely';
import type { DB, Store } from './store.js';

/** Any fixed number: the advisory lock whose holder is the story grouper of a PostgreSQL database. */
const GROUPER_LOCK = 4_171_029_002;

/** The grouper role was lost mid-run (its lock connection dropped): the run's writes roll back. */
export class GrouperRoleLost extends Error {
  constructor() {
    super('the story grouper role was lost (its lock connection dropped); another worker takes over');
    this.name = 'GrouperRoleLost';
  }
}

/**
 * One process at a time places articles into stories: the grouper keeps the active stories in
 * memory, and two of them would open two stories for one event. On PostgreSQL the role is a
 * session advisory lock held on a connection of its own: a worker that dies (or loses that
 * connection) loses the role, and the next worker to ask takes it, finding the unprocessed
 * articles where they were. Each grouper transaction checks, inside itself, that the lock is
 * still held. On SQLite every process may group: the write lock serialises them and the kept
 * state is checked against SQLite's data_version.
 */
export class GrouperRole {
  private client: pg.Client | undefined;
  private backendPid: number | undefined;
  private held = false;
  /** Bumped each time the role is taken (again): what was kept in memory before may be stale. */
  generation = 0;

  constructor(private readonly store: Store) {}

  /** Whether this process is the grouper now; takes the role when it is free. */
  async acquire(): Promise<boolean> {
    if (!this.store.url) return true;
    if (this.held && this.client) return true;
    try {
      if (!this.client) {
        const client = new pg.Client({ connectionString: this.store.url, application_name: 'news-digest grouper' });
        const lost = () => {
          if (this.client === client) {
            this.client = undefined;
            this.held = false;
          }
        };
        client.on('error', lost);
        client.on('end', lost);
        await client.connect();
        this.client = client;
        this.backendPid = Number((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
      }
      const r = await this.client.query('SELECT pg_try_advisory_lock($1) AS ok', [GROUPER_LOCK]);
      if (r.rows[0].ok === true) {
        this.held = true;
        this.generation++;
      }
      return this.held;
    } catch {
      await this.release();
      return false;
    }
  }

  /** Inside a grouper transaction: throws {@link GrouperRoleLost} unless this process still holds the role. */
  async verify(tx: DB): Promise<void> {
    if (!this.store.url) return;
    if (!this.held || this.backendPid === undefined) throw new GrouperRoleLost();
    const r = await sql<{ ok: number }>`SELECT 1 AS ok FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND pid = ${this.backendPid}
        AND ((classid::bigint << 32) | objid::bigint) = ${GROUPER_LOCK}`.execute(tx.k);
    if (!r.rows.length) {
      this.held = false;
      throw new GrouperRoleLost();
    }
  }

  /** Gives the role up (the worker is stopping); the lock goes with its connection. */
  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    this.backendPid = undefined;
    await client?.end().catch(() => undefined);
  }
}
