import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { FeedServer, rss, type FeedItem } from './helpers/feed-server.js';
import { tempDir, writeConfig } from './helpers/app.js';
import { loadConfig } from '../src/config/load.js';
import { feedDeadlineMs } from '../src/ingest/poller.js';

const CHILD = path.resolve('test/helpers/poll-child.ts');
const FEEDS = 20;
const GROWTH = 6;
const MAX_ITEMS = 90;

const countries = ['Germany', 'Japan', 'Spain', 'the Netherlands', 'Romania', 'Sweden', 'Norway', 'Poland', 'Denmark', 'Canada'];
const acts = ['pledges a Patriot battery to Ukraine', 'sends PAC-3 interceptors to Kyiv', 'signs an air defense deal for Ukraine', 'trains Ukrainian Patriot crews', 'hosts talks on Ukraine air defense'];
const offTopic = ['Local council approves new bus lanes', 'Football club signs striker', 'Bakery wins regional prize'];

/** Feed f's item j: two thirds on the topic, different events, times increasing. */
function item(f: number, j: number): FeedItem {
  const on = j % 3 !== 2;
  const title = on ? `${countries[(f + j) % countries.length]} ${acts[j % acts.length]}` : offTopic[j % offTopic.length]!;
  const date = new Date(Date.UTC(2026, 2, 1) + j * 3_600_000 + f * 60_000).toUTCString();
  return { title: `${title} (${f}-${j})`, link: `https://news${f}.example/a/${j}`, guid: `f${f}-${j}`, date, description: `${title}. Report ${j} of desk ${f} about the week's events, with details from officials.` };
}

/** Feeds that grow by GROWTH items at every request, as a busy news site does between polls. */
function growingFeeds(server: FeedServer, onRequest: () => void): number[] {
  const served = new Array<number>(FEEDS).fill(0);
  for (let f = 0; f < FEEDS; f++) {
    server.route(`/f${f}.xml`, {
      handler: () => {
        onRequest();
        served[f] = Math.min(MAX_ITEMS, served[f]! + GROWTH);
        return { body: rss(`Desk ${f}`, Array.from({ length: served[f]! }, (_, j) => item(f, j))) };
      },
    });
  }
  return served;
}

function run(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/** A small deterministic PRNG (mulberry32): the kill points are random but the same every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every stored article processed exactly once, and what that implies for the stored statistics. */
function checkProcessedOnce(dbFile: string) {
  const db = new Database(dbFile, { readonly: true });
  try {
    const q = (sql: string) => db.prepare(sql).pluck().get() as number;
    const articles = q('SELECT count(*) FROM articles');
    const result = {
      articles,
      unprocessed: q('SELECT count(*) FROM articles WHERE processed_at IS NULL'),
      setAside: q('SELECT count(*) FROM articles WHERE process_error IS NOT NULL'),
      undecided: q('SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = a.id)'),
      // The term statistics count each article once: neither lost nor learned twice.
      learnedDocs: q('SELECT docs FROM corpus_stats WHERE id = 1'),
      topicDocs: q("SELECT coalesce(sum(docs), 0) FROM topic_stats"),
      inStories: q('SELECT count(DISTINCT article_id) FROM story_articles'),
      inTwoStories: q('SELECT count(*) FROM (SELECT sa.article_id FROM story_articles sa JOIN stories s ON s.id = sa.story_id GROUP BY sa.article_id, s.topic_id HAVING count(*) > 1)'),
      relevantNotInStory: q('SELECT count(*) FROM article_topics t WHERE t.relevant = 1 AND NOT EXISTS (SELECT 1 FROM story_articles sa WHERE sa.article_id = t.article_id)'),
      staleSummaries: q('SELECT count(*) FROM stories WHERE needs_summary = 1'),
    };
    return result;
  } finally {
    db.close();
  }
}

/** When the last feed lease still held runs out (a killed worker's are never given back), or 0. */
function leasedUntil(dbFile: string): number {
  const db = new Database(dbFile, { readonly: true });
  try {
    return (db.prepare('SELECT coalesce(max(poll_lease_until), 0) FROM feeds WHERE poll_owner IS NOT NULL').pluck().get() as number) ?? 0;
  } finally {
    db.close();
  }
}

describe('kill -9 during polls and processing', () => {
  const server = new FeedServer();
  const { dir, cleanup } = tempDir();
  const dbFile = path.join(dir, 'kill.db');
  let config: string;
  let requests = 0;
  let onRequest = () => {};
  let served: number[];
  beforeAll(async () => {
    await server.start();
    served = growingFeeds(server, () => {
      requests++;
      onRequest();
    });
    config = writeConfig(dir, { database: dbFile, feeds: Array.from({ length: FEEDS }, (_, f) => ({ url: server.url(`/f${f}.xml`) })) });
  });
  afterAll(async () => {
    await server.stop();
    cleanup();
  });

  it('ten kills at random points: every stored article is processed exactly once', async () => {
    const random = prng(9);
    const kills: { afterRequests: number; pendingAtKill: number }[] = [];
    for (let k = 0; k < 10; k++) {
      const { child, done } = run([config, dbFile, 'loop']);
      // Kill after a random number of feed requests (mid-fetch, mid-store) plus a random delay
      // of up to 1.5 s (mid-processing): the point is where it falls, not when.
      let target = requests + 1 + Math.floor(random() * FEEDS * 1.5);
      let delay = Math.floor(random() * 1500);
      if (k === 0) {
        // One kill surely between storing and processing: at the last feed request of the first
        // poll of a fresh database. A feed's poll slot frees only once its items are stored, and
        // processing starts after the whole poll, so at least FEEDS - concurrency feeds wait.
        target = requests + FEEDS;
        delay = 0;
      }
      onRequest = () => {
        if (requests !== target) return;
        setTimeout(() => child.kill('SIGKILL'), delay);
      };
      const exit = await done;
      expect(exit.signal).toBe('SIGKILL');
      onRequest = () => {};
      const state = checkProcessedOnce(dbFile);
      kills.push({ afterRequests: target, pendingAtKill: state.unprocessed });
    }
    // The kills did fall between storing and processing at least once (else this tests nothing).
    expect(kills.some((k) => k.pendingAtKill > 0)).toBe(true);

    // A worker killed mid-poll leaves the leases of the feeds it was polling; the restarted worker
    // (same host, the killed pid gone) takes them back at once instead of waiting for them to run out.
    const leaseMs = 2 * feedDeadlineMs({ timeoutMs: loadConfig(config, {}).fetch.timeout });
    expect(leasedUntil(dbFile)).toBeLessThanOrEqual(Date.now() + leaseMs);
    const last = await run([config, dbFile, 'once']).done;
    expect(last.code, last.stderr).toBe(0);
    const state = checkProcessedOnce(dbFile);
    console.log(`kill -9 ×10: ${kills.map((k) => k.pendingAtKill).join(', ')} articles left unprocessed at each kill; after restart: ${JSON.stringify(state)}`);
    // Nothing lost: every item of every feed's last answer is stored.
    expect(state.articles).toBe(served.reduce((a, b) => a + b, 0));
    expect(state.unprocessed).toBe(0);
    expect(state.setAside).toBe(0);
    expect(state.undecided).toBe(0);
    expect(state.learnedDocs).toBe(state.articles);
    expect(state.inTwoStories).toBe(0);
    expect(state.relevantNotInStory).toBe(0);
    expect(state.topicDocs).toBe(state.inStories);
    expect(state.staleSummaries).toBe(0);
    // The restart polled every feed: no lease is left behind.
    expect(leasedUntil(dbFile)).toBe(0);
  }, 300_000);
});

describe('two workers and the CLI on one database', () => {
  const server = new FeedServer();
  const { dir, cleanup } = tempDir();
  const dbFile = path.join(dir, 'two.db');
  let config: string;
  beforeAll(async () => {
    await server.start();
    growingFeeds(server, () => {});
    server.route('/extra.xml', { body: rss('Extra', []) });
    config = writeConfig(dir, { database: dbFile, feeds: Array.from({ length: FEEDS }, (_, f) => ({ url: server.url(`/f${f}.xml`) })) });
  });
  afterAll(async () => {
    await server.stop();
    cleanup();
  });

  it('poll and process side by side: no article lost or processed twice, no feed failure from locks', async () => {
    // TWO_WORKER_ROUNDS lengthens the run for a soak by hand (CI keeps it short).
    const rounds = Number(process.env.TWO_WORKER_ROUNDS ?? 6);
    const a = run([config, dbFile, 'loop', String(rounds)]);
    const b = run([config, dbFile, 'loop', String(rounds)]);
    // The CLI writes too while both run (feeds added and removed).
    const cli = (args: string[]) =>
      new Promise<number | null>((resolve) => spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args, '--config', config, '--db', dbFile], { stdio: 'ignore' }).on('exit', resolve));
    const cliCodes = [await cli(['feeds', 'add', server.url('/extra.xml')]), await cli(['feeds', 'remove', server.url('/extra.xml')])];
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(cliCodes).toEqual([0, 0]);
    const logs = ra.stderr + rb.stderr;
    // Locks delay writes, they never fail a feed. (A kept-alive socket the loaded test server
    // closes may still fail a fetch now and then: a network error, not a lock.)
    const failures = logs.split('\n').filter((l) => l.includes('feed failed'));
    expect(failures.filter((l) => !/network error/.test(l))).toEqual([]);
    expect(logs).not.toMatch(/SQLITE_BUSY|database is locked|stayed locked/);
    const done = [...ra.stdout.split('\n'), ...rb.stdout.split('\n')].filter(Boolean);
    expect(done).toHaveLength(2 * rounds);
    const state = checkProcessedOnce(dbFile);
    console.log(`two workers × ${rounds} rounds + CLI: ${JSON.stringify(state)}; network failures: ${failures.length}`);
    expect(state.unprocessed).toBe(0);
    expect(state.learnedDocs).toBe(state.articles);
    expect(state.inTwoStories).toBe(0);
    expect(state.relevantNotInStory).toBe(0);
    expect(state.topicDocs).toBe(state.inStories);
  }, 1_800_000);
});
