import { isLockError } from '../db/lock-retry.js';

const FIRST_WAIT_MS = 25;
const MAX_WAIT_MS = 1000;

/**
 * Runs a write, retrying while another connection holds the lock, until `deadline`. Unlike
 * db/lock-retry's fixed number of tries, the sender needs a deadline (a sent message's id must be
 * saved while its lease lasts, however long that takes) and its own clock (tests run it in
 * virtual time). Each try already waits the connection's busy_timeout; the sleeps between tries
 * let the event loop run. Other errors, and a lock past the deadline, are thrown.
 */
export async function retryLocked<T>(write: () => T | Promise<T>, o: { deadline: number; clock: () => number; sleep: (ms: number) => Promise<void>; onRetry?: (err: unknown, tries: number) => void }): Promise<T> {
  let wait = FIRST_WAIT_MS;
  for (let tries = 1; ; tries++) {
    try {
      return await write();
    } catch (err) {
      if (!isLockError(err) || o.clock() + wait > o.deadline) throw err;
      o.onRetry?.(err, tries);
    }
    await o.sleep(wait);
    wait = Math.min(MAX_WAIT_MS, wait * 2);
  }
}
