import pRetry from 'p-retry';

/**
 * SQLite's "another connection holds the lock" errors. SQLITE_BUSY outlasted the busy timeout;
 * SQLITE_BUSY_SNAPSHOT means a read transaction became stale before it could write. Both pass
 * when tried again, and neither says anything about the data being written.
 */
export function isLockError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * Runs a write again while it fails on a lock (each try already waits up to the busy timeout):
 * a second process on the database delays work, it never fails or loses it. Other errors are
 * thrown at once.
 */
export function retryOnLock<T>(write: () => T | Promise<T>, retries = 6): Promise<T> {
  return pRetry(write, { retries, minTimeout: 100, maxTimeout: 2000, randomize: true, shouldRetry: ({ error }) => isLockError(error) });
}

/** Any SQLite error: a problem of the database (disk full, I/O, corruption), not of the data. */
export function isDatabaseError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}
