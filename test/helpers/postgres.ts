import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';

/**
 * The PostgreSQL server of the PostgreSQL suite: DATABASE_URL when the run started (bash .ci/run
 * starts a throwaway cluster and sets it; test/setup-env.ts moves it here). Without one the suite
 * is skipped (test/global-setup.ts says so once); in CI it must run.
 */
export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL;

/** `describe` for PostgreSQL-only tests: skipped without a server, never in CI. */
export const describePostgres = PG_ADMIN_URL || process.env.CI === 'true' ? describe : describe.skip;

/** A new, empty database on the test server; `drop()` removes it (closing what still uses it). */
export async function freshPgDatabase(prefix = 'nd_test', adminUrl = PG_ADMIN_URL): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const PG_ADMIN_URL = adminUrl;
  if (!PG_ADMIN_URL) throw new Error('no PostgreSQL for the tests: set DATABASE_URL (bash .ci/run does)');
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
