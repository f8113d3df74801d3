import { sql } from 'kysely';
import { ROLE_KEYS, SessionLock } from './session-lock.js';
import type { DB, Store } from './store.js';

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
 * {@link SessionLock}: a worker that dies (or loses its lock connection) loses the role, and the
 * next worker to ask takes it, finding the unprocessed articles where they were. Each grouper
 * transaction checks, inside itself, that the lock is still held, so a grouper that lost the
 * role without noticing cannot commit. On SQLite every process may group: the write lock
 * serialises them and the kept state is checked against SQLite's data_version.
 */
export class GrouperRole {
  private readonly lock: SessionLock;

  constructor(store: Store) {
    this.lock = new SessionLock(store, ROLE_KEYS.grouper, 'grouper');
  }

  /** Bumped each time the role is taken (again). */
  get generation(): number {
    return this.lock.generation;
  }

  acquire(): Promise<boolean> {
    return this.lock.acquire();
  }

  /** Inside a grouper transaction: throws {@link GrouperRoleLost} unless this process still holds the role. */
  async verify(tx: DB): Promise<void> {
    if (tx.engine !== 'postgres') return;
    const pid = this.lock.backendPid;
    if (!this.lock.holding || pid === undefined) throw new GrouperRoleLost();
    const r = await sql<{ ok: number }>`SELECT 1 AS ok FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND pid = ${pid}
        AND ((classid::bigint << 32) | objid::bigint) = ${this.lock.key}`.execute(tx.k);
    if (!r.rows.length) throw new GrouperRoleLost();
  }

  release(): Promise<void> {
    return this.lock.release();
  }
}
