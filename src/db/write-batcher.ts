import { sql } from 'kysely';
import { isDatabaseError, isLockError, retryOnLock } from './lock-retry.js';
import type { DB } from './store.js';

type Job = (tx: DB) => Promise<void>;

/** Jobs committed together at most. */
const MAX_BATCH = 16;
/**
 * Event-loop turns a commit waits for more jobs (no timer: no latency when nothing else runs).
 * On the pipeline bench, 3 turns took a poll of 1,000 feeds and 1,250 pages from 1,973 commits
 * to 411, and the time spent committing from 523 to 373 ms.
 */
const GATHER_TURNS = 3;

/**
 * Group commit: jobs that arrive while a commit is under way are committed together, in one
 * transaction, each inside a savepoint of its own, so each is still all or nothing by itself: a
 * job that throws is rolled back alone and its caller gets the error, the others commit. (A feed
 * stored alone paid a commit, about 0.8 ms of writing the WAL, for each feed of a poll; polled
 * eight at a time, several finish together.) A lock or database error fails the whole batch,
 * which is tried again (locks) or reported to every job in it.
 */
export class WriteBatcher {
  private readonly queue: { job: Job; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private draining = false;

  constructor(private readonly db: DB) {}

  run(job: Job): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length) {
        // Let the event loop turn a few times first: the feeds whose answers are being read and
        // parsed meanwhile join this commit (a commit rewrites every index page it touched, so
        // one commit for five feeds costs little more than one for one).
        for (let turn = 0; turn < GATHER_TURNS && this.queue.length < MAX_BATCH; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
        await this.commit(this.queue.splice(0, MAX_BATCH));
      }
    } finally {
      this.draining = false;
    }
  }

  private async commit(batch: typeof this.queue): Promise<void> {
    let failures: (unknown | undefined)[] = [];
    try {
      await retryOnLock(() => {
        failures = [];
        return this.db.transaction(async (tx) => {
          for (const { job } of batch) {
            if (batch.length === 1) {
              await job(tx);
              failures.push(undefined);
              continue;
            }
            await sql`SAVEPOINT batched_write`.execute(tx.k);
            try {
              await job(tx);
              failures.push(undefined);
            } catch (err) {
              // The transaction's own trouble fails the batch; a job's own error only the job.
              if (isLockError(err) || isDatabaseError(err)) throw err;
              await sql`ROLLBACK TO SAVEPOINT batched_write`.execute(tx.k);
              failures.push(err);
            }
            await sql`RELEASE SAVEPOINT batched_write`.execute(tx.k);
          }
        });
      });
    } catch (err) {
      for (const b of batch) b.reject(err);
      return;
    }
    batch.forEach((b, i) => (failures[i] === undefined ? b.resolve() : b.reject(failures[i])));
  }
}
