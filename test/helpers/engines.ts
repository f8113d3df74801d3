import path from 'node:path';
import { describe } from 'vitest';
import { Store } from '../../src/db/store.js';
import { tempDir } from './app.js';
import { describePostgres, freshPgDatabase } from './postgres.js';

export type EngineName = 'sqlite' | 'postgres';
export const ENGINES: EngineName[] = ['sqlite', 'postgres'];

/** A fresh, empty database of an engine: an SQLite file in a temp dir, or a new PostgreSQL database. */
export async function freshTarget(engine: EngineName): Promise<{ target: string; cleanup(): Promise<void> }> {
  if (engine === 'postgres') {
    const db = await freshPgDatabase();
    return { target: db.url, cleanup: () => db.drop() };
  }
  const tmp = tempDir('nd-engine-');
  return { target: path.join(tmp.dir, 'test.db'), cleanup: async () => tmp.cleanup() };
}

/** A fresh migrated store of an engine. */
export async function freshStore(engine: EngineName): Promise<{ store: Store; target: string; cleanup(): Promise<void> }> {
  const t = await freshTarget(engine);
  const store = await Store.open(t.target);
  return {
    store,
    target: t.target,
    cleanup: async () => {
      await store.close();
      await t.cleanup();
    },
  };
}

/**
 * The same tests on both engines: `describe(name [sqlite])` and `describe(name [postgres])`,
 * the second skipped without a PostgreSQL server (never in CI).
 */
export function describeEngines(name: string, body: (engine: EngineName) => void): void {
  for (const engine of ENGINES) (engine === 'postgres' ? describePostgres : describe)(`${name} [${engine}]`, () => body(engine));
}
