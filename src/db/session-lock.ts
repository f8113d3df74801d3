import type pg from 'pg';
import { loadPg } from './pg-module.js';
import type { Store } from './store.js';

/** The advisory-lock keys of the roles one worker at a time holds on a PostgreSQL database. */
export const ROLE_KEYS = {
  /** Places articles into stories (src/db/grouper-role.ts). */
  grouper: 4_171_029_002,
  /** Long-polls Telegram for updates: the Bot API serves getUpdates to one client at a time. */
  telegramUpdates: 4_171_029_003,
} as const;

/**
 * A role one process at a time holds on a PostgreSQL database: a session advisory lock on a
 * connection of its own. The process that dies, or loses that connection, loses the role with it,
 * and the next one to ask takes it. On SQLite there is one database file per host and no such
 * coordination: `acquire()` always says yes.
 */
export class SessionLock {
  private client: pg.Client | undefined;
  private pid: number | undefined;
  private held = false;
  /** Bumped each time the role is taken (again): what was kept in memory before may be stale. */
  generation = 0;

  constructor(
    private readonly store: Store,
    readonly key: number,
    private readonly name: string,
  ) {}

  /** Whether this process holds the role now; takes it when it is free. */
  async acquire(): Promise<boolean> {
    if (!this.store.url) return true;
    if (this.held && this.client) return true;
    try {
      if (!this.client) {
        const pg = await loadPg();
        const client = new pg.Client({ connectionString: this.store.url, application_name: `news-digest ${this.name}` });
        const lost = () => {
          if (this.client !== client) return;
          this.client = undefined;
          this.held = false;
        };
        client.on('error', lost);
        client.on('end', lost);
        await client.connect();
        this.client = client;
        this.pid = Number((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
      }
      const r = await this.client.query('SELECT pg_try_advisory_lock($1) AS ok', [this.key]);
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

  /** Whether the role is held as far as this process knows (its lock connection is up). */
  get holding(): boolean {
    return !this.store.url || (this.held && this.client !== undefined);
  }

  /** The server process of the lock connection (to check, from another connection, that the lock is still held). */
  get backendPid(): number | undefined {
    return this.pid;
  }

  /** Gives the role up; the lock goes with its connection. */
  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    this.pid = undefined;
    await client?.end().catch(() => undefined);
  }
}
