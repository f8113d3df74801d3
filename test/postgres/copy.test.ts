import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { Store } from '../../src/db/store.js';
import { ROOT, tempDir } from '../helpers/app.js';
import { describePostgres, freshPgDatabase } from '../helpers/postgres.js';

/**
 * `db copy --to postgres://…` on the demo database (the bundled demo feeds polled, a subscriber,
 * its digest sent to the console): the same rows on both sides, ids kept, and the copy is a
 * working database (a new story continues after the copied ids).
 */
describePostgres('db copy: an SQLite database into PostgreSQL', () => {
  const tmp = tempDir('nd-copy-');
  const sqliteFile = path.join(tmp.dir, 'demo.db');
  const config = path.join(ROOT, 'config/demo.yaml');
  let pg: Awaited<ReturnType<typeof freshPgDatabase>>;
  const out: string[] = [];
  const cli = (...args: string[]) => runCli([...args, '--config', config], (l) => out.push(l));

  beforeAll(async () => {
    pg = await freshPgDatabase('nd_copy');
    expect(await cli('poll', '--db', sqliteFile)).toBe(0);
    const store = Store.openSqlite(sqliteFile);
    const raw = store.sqlite!;
    raw.prepare("INSERT INTO subscriptions (platform, chat_id, topics, schedule, timezone, max_stories, created_at, updated_at, next_due_at) VALUES ('telegram', '42', '[\"patriot-ukraine\"]', 'daily 08:00', 'Europe/Kyiv', 10, 1, 1, 1)").run();
    raw.prepare("INSERT INTO subscription_filters (subscription_id, kind, term, created_at) VALUES (1, 'exclude', 'football', 1), (1, 'include', 'Patriot', 1)").run();
    const story = raw.prepare('SELECT id FROM stories ORDER BY id LIMIT 1').pluck().get() as number;
    raw.prepare("INSERT INTO digests (subscription_id, window_key, window_start, window_end, model, status, next_attempt_at, created_at) VALUES (1, 'w1', 0, 1, '{}', 'sent', 1, 1)").run();
    raw.prepare("INSERT INTO digest_parts (digest_id, seq, payload, platform_message_id, sent_at) VALUES (1, 0, '\"text\"', '555', 1)").run();
    raw.prepare('INSERT INTO subscription_stories (subscription_id, story_id, source_count, digest_id) VALUES (1, ?, 3, 1)').run(story);
    await store.close();
  }, 60_000);
  afterAll(async () => {
    await pg?.drop();
    tmp.cleanup();
  });

  it('copies every table, keeps ids, and the copy goes on working', async () => {
    out.length = 0;
    expect(await cli('db', 'copy', '--to', pg.url, '--db', sqliteFile)).toBe(0);
    expect(out.at(-1)).toMatch(/row counts match on both sides/);
    const from = Store.openSqlite(sqliteFile);
    const to = await Store.open(pg.url);
    try {
      for (const table of ['feeds', 'articles', 'article_topics', 'stories', 'story_articles', 'term_df', 'topic_term_df', 'subscriptions', 'subscription_filters', 'digests', 'digest_parts', 'subscription_stories'] as const) {
        const a = await from.k.selectFrom(table).selectAll().execute();
        const b = await to.k.selectFrom(table).selectAll().execute();
        expect(b.length, table).toBe(a.length);
        expect(a.length, table).toBeGreaterThan(0);
        const key = (r: Record<string, unknown>) => JSON.stringify(Object.entries(r).filter(([k]) => k !== 'seq').sort());
        expect(new Set(b.map(key)), table).toEqual(new Set(a.map(key)));
      }
      expect((await to.k.selectFrom('corpus_stats').select('docs').executeTakeFirstOrThrow()).docs).toBe((await from.k.selectFrom('corpus_stats').select('docs').executeTakeFirstOrThrow()).docs);
      // Filters keep the order they were added in.
      expect((await sql<{ term: string }>`SELECT term FROM subscription_filters ORDER BY seq`.execute(to.k)).rows.map((r) => r.term)).toEqual(['football', 'Patriot']);
      // Ids continue after the copied ones.
      const maxFeed = Number((await to.k.selectFrom('feeds').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m);
      const added = await to.k.insertInto('feeds').values({ url: 'https://after-copy.example/rss', origin: 'user', created_at: 1 }).returning('id').executeTakeFirstOrThrow();
      expect(added.id).toBe(maxFeed + 1);
    } finally {
      await from.close();
      await to.close();
    }
    // The CLI reads the copy as it read the original.
    out.length = 0;
    expect(await cli('stories', '--json', '--db', sqliteFile)).toBe(0);
    const before = out.join('\n');
    out.length = 0;
    expect(await cli('stories', '--json', '--db', pg.url)).toBe(0);
    expect(out.join('\n')).toBe(before);
  });

  it('refuses a target that is not empty, and changes nothing there', async () => {
    out.length = 0;
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await cli('db', 'copy', '--to', pg.url, '--db', sqliteFile)).toBe(1);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join('')).toMatch(/already holds feeds: copy into an empty database/);
  });
});
