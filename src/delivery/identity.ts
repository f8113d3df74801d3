import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Store } from '../db/store.js';
import { OutboxRepo, type WorkerRow } from '../db/outbox.js';

/** WORKER_ID, else the host name: the same across restarts of a worker on one machine. */
export function defaultWorkerId(env: NodeJS.ProcessEnv = process.env): string {
  return env.WORKER_ID?.trim() || os.hostname();
}

/** Senders alive in this process by instance token; a closed database means that sender is gone. */
const local = new Map<string, Store>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process in `row` still runs. On this host the pid says it exactly (this process's
 * own earlier senders are looked up in `local`); for another host, only a heartbeat younger than
 * a lease proves it dead, which is no sooner than its leases would expire anyway.
 */
function holderAlive(row: WorkerRow, now: number, staleMs: number): boolean {
  if (row.host !== os.hostname()) return now - row.seenAt < staleMs;
  if (row.pid === process.pid) return local.get(row.instance)?.open === true;
  return pidAlive(row.pid);
}

const BEAT_EVERY_MS = 30_000;

/**
 * The id a sender takes its leases under. A restarted worker gets its id back and, with it, the
 * digests its previous process had leased: they resume at once instead of after the lease. Two
 * live processes never share an id (the second gets a temporary one), so two workers never send
 * the same digest.
 */
export class WorkerIdentity {
  private lastBeat: number;

  private constructor(
    private readonly repo: OutboxRepo,
    public id: string,
    readonly wanted: string,
    readonly instance: string,
    now: number,
  ) {
    this.lastBeat = now;
  }

  get stable(): boolean {
    return this.id === this.wanted;
  }

  static async acquire(db: Store, wanted: string, now: number, staleMs: number): Promise<WorkerIdentity> {
    for (const [instance, other] of local) if (!other.open) local.delete(instance);
    const instance = randomUUID();
    const repo = new OutboxRepo(db);
    const taken = await repo.transaction(async (tx) => {
      const row = await tx.worker(wanted, { lock: true });
      if (row && row.instance !== instance && holderAlive(row, now, staleMs)) return false;
      await tx.saveWorker({ id: wanted, instance, host: os.hostname(), pid: process.pid, startedAt: now, seenAt: now });
      return true;
    });
    local.set(instance, db);
    return new WorkerIdentity(repo, taken ? wanted : temporaryId(wanted, instance), wanted, instance, now);
  }

  /**
   * Refreshes the heartbeat. If another host took the id over (ours looked stale), this process
   * continues under a temporary id; its current leases then simply expire.
   */
  async beat(now: number): Promise<void> {
    if (!this.stable || now - this.lastBeat < BEAT_EVERY_MS) return;
    this.lastBeat = now;
    if (!(await this.repo.beat(this.id, this.instance, now))) this.id = temporaryId(this.wanted, this.instance);
  }
}

function temporaryId(wanted: string, instance: string): string {
  return `${wanted}~${process.pid}-${instance.slice(0, 8)}`;
}
