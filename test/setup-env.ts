// `.ci/run` (or a developer) exports DATABASE_URL for the PostgreSQL suite: there it is the server
// the suite creates its own databases on, not the database of every test. Every other test, and
// every process a test starts, uses the SQLite file it names.
if (process.env.DATABASE_URL && !process.env.TEST_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
delete process.env.DATABASE_URL;
