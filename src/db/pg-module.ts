import type pg from 'pg';

let loaded: Promise<typeof pg> | undefined;

/**
 * node-postgres, imported on first use: a worker on an SQLite file never loads it (about 15 MB
 * of memory, and its start-up time).
 */
export function loadPg(): Promise<typeof pg> {
  return (loaded ??= import('pg').then((m) => m.default));
}
