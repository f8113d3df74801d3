import pRetry from 'p-retry';

/** PostgreSQL SQLSTATEs that pass when the transaction is tried again. */
const PG_RETRYABLE = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
]);

/**
 * "Another connection holds the lock" errors. SQLite: SQLITE_BUSY outlasted the busy timeout;
 * SQLITE_BUSY_SNAPSHOT means a read transaction became stale before it could write.
 * PostgreSQL: a serialization failure or a deadlock victim. All pass when tried again, and none
 * says anything about the data being written.
 */
export function isLockError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || PG_RETRYABLE.has(code);
}

/**
 * Runs a write again while it fails on a lock (each try already waits up to the busy timeout):
 * a second process on the database delays work, it never fails or loses it. Other errors are
 * thrown at once.
 */
export function retryOnLock<T>(write: () => T | Promise<T>, retries = 6): Promise<T> {
  return pRetry(write, { retries, minTimeout: 100, maxTimeout: 2000, randomize: true, shouldRetry: ({ error }) => isLockError(error) });
}

/** Network-level failures of the PostgreSQL connection (the server is down or unreachable). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * A problem of the database (disk full, I/O, corruption, the server gone), not of the data:
 * any SQLite error; a PostgreSQL error with a SQLSTATE, or a lost connection.
 */
export function isDatabaseError(err: unknown): boolean {
  const e = err as { code?: unknown; severity?: unknown; message?: unknown } | null;
  const code = e?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return true;
  if (typeof code === 'string' && typeof e?.severity === 'string' && /^[0-9A-Z]{5}$/.test(code)) return true;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  return typeof e?.message === 'string' && /^Connection terminated|^Client has encountered a connection error/.test(e.message);
}
