// Says once, before the run, whether the PostgreSQL suite (test/postgres/) runs.
export default function setup(): void {
  const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) {
    const why = 'no DATABASE_URL (bash .ci/run starts a throwaway PostgreSQL and sets it)';
    if (process.env.CI === 'true') throw new Error(`the PostgreSQL suite must run in CI, but there is ${why}`);
    process.stdout.write(`PostgreSQL suite skipped: ${why}\n`);
  }
}
