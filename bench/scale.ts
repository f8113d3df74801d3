import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { Store } from '../src/db/store.js';
import { SubscriptionRepo } from '../src/db/subscriptions.js';
import { FakeTelegram } from '../test/helpers/fake-telegram.js';
import { freshPgDatabase } from '../test/helpers/postgres.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FEEDS = 1000;
const ITEMS = 20;
const LATENCY_MS = 200;
const SUBSCRIBERS = 1000;

interface Scenario {
  label: string;
  engine: 'sqlite' | 'postgres';
  workers: number;
  /** Kill one worker with SIGKILL a third into the fan-out. */
  kill?: boolean;
}

interface Result {
  pollS: number;
  processS: number;
  fanoutS: number;
  sent: number;
  rateLimited: number;
  lost: number;
  duplicated: number;
  resends: number;
  killedAfter?: number;
}

/**
 * `npm run bench -- scale`: 1,000 feeds answering after 200 ms each, and a digest to 1,000
 * Telegram subscribers through a local Bot API enforcing 30 messages/s (and 1/s per chat): one
 * worker on SQLite, one and three workers on PostgreSQL, and three with one killed by SIGKILL
 * in the middle of the fan-out. PostgreSQL comes from BENCH_DATABASE_URL or DATABASE_URL (a
 * server where the bench may create databases); without one only the SQLite run is made.
 */
export async function benchScale(): Promise<void> {
  const admin = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  const farm = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/scale-feeds.ts'), String(FEEDS), String(ITEMS), String(LATENCY_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => farm.stdout!.once('data', (c: Buffer) => resolve(Number(c.toString().split('\n')[0]))));
  const scenarios: Scenario[] = [
    { label: 'SQLite, 1 worker', engine: 'sqlite', workers: 1 },
    ...(admin
      ? ([
          { label: 'PostgreSQL, 1 worker', engine: 'postgres', workers: 1 },
          { label: 'PostgreSQL, 3 workers', engine: 'postgres', workers: 3 },
          { label: 'PostgreSQL, 3 workers, one killed mid-send', engine: 'postgres', workers: 3, kill: true },
        ] as Scenario[])
      : []),
  ];
  console.log(`scale: ${FEEDS} feeds × ${ITEMS} items answering after ${LATENCY_MS} ms (fetch concurrency 8 per worker); a digest to ${SUBSCRIBERS} Telegram subscribers, fake Bot API enforcing 30 msg/s and 1 msg/s per chat`);
  if (!admin) console.log('  (PostgreSQL runs skipped: set DATABASE_URL or BENCH_DATABASE_URL to a server where the bench may create databases)');
  const results = new Map<string, Result>();
  try {
    for (const s of scenarios) {
      const r = await run(s, port, admin);
      results.set(s.label, r);
      console.log(
        `  ${s.label}: poll of ${FEEDS} feeds ${r.pollS.toFixed(1)} s (${(FEEDS / r.pollS).toFixed(0)} feeds/s), all ${FEEDS * ITEMS} articles processed after ${r.processS.toFixed(1)} s; fan-out ${r.fanoutS.toFixed(1)} s for ${r.sent} messages (floor ${(SUBSCRIBERS / 30).toFixed(1)} s, +10% ${((SUBSCRIBERS / 30) * 1.1).toFixed(1)} s), ${r.rateLimited} x 429, ${r.lost} lost, ${r.duplicated} duplicated${r.killedAfter !== undefined ? `; killed after ${r.killedAfter} messages, ${r.resends} parts sent again after an unknown outcome` : ''}`,
      );
    }
    const one = results.get('PostgreSQL, 1 worker');
    const three = results.get('PostgreSQL, 3 workers');
    if (one && three) console.log(`  PostgreSQL poll throughput, 3 workers / 1 worker: ${(one.pollS / three.pollS).toFixed(2)}× (target ≥ 2.5×)`);
  } finally {
    farm.kill();
  }
}

async function run(s: Scenario, feedPort: number, admin: string | undefined): Promise<Result> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nd-scale-'));
  const pg = s.engine === 'postgres' ? await freshPgDatabase('nd_scale', admin) : undefined;
  const target = pg?.url ?? path.join(dir, 'scale.db');
  const fake = await new FakeTelegram().start();
  fake.enforceRates = true;
  fake.conflictOnConcurrentPolls = true;
  const base = loadConfig(path.join(ROOT, 'config/default.yaml'), {});
  const configFile = path.join(dir, 'config.yaml');
  const feedUrls = Array.from({ length: FEEDS }, (_, f) => `http://127.0.0.1:${feedPort}/feed/${f}.xml`);
  writeFileSync(
    configFile,
    stringify({
      database: target,
      topics: base.topics,
      feeds: [],
      fetch: { allowHosts: ['127.0.0.1'] },
      articles: { fetchPages: false },
      polling: { interval: '1h', tick: '* * * * * *' },
      delivery: { tick: '* * * * * *', lease: s.kill ? '30s' : '5m' },
      digest: { nothingNewNote: true, firstLookback: '3650d' },
      http: { port: 0 },
    }),
  );
  // Feeds and subscribers are in place, not due yet: the clock starts when they are made due.
  const store = await Store.open(target);
  await store.transaction(async (tx) => {
    for (let i = 0; i < feedUrls.length; i += 500) {
      await tx.k.insertInto('feeds').values(feedUrls.slice(i, i + 500).map((url) => ({ url, origin: 'user' as const, created_at: Date.now(), next_poll_at: Date.UTC(2100, 0, 1) }))).execute();
    }
    const subs = new SubscriptionRepo(tx);
    for (let c = 0; c < SUBSCRIBERS; c++) await subs.insert({ platform: 'telegram', chatId: String(100_000 + c), chatTitle: null, topics: ['patriot-ukraine'], schedule: 'daily 08:00', timezone: 'UTC', maxStories: 10, nextDueAt: null, now: Date.now() });
  });
  const env = { ...process.env, DATABASE_URL: s.engine === 'postgres' ? target : '', DATABASE_PATH: s.engine === 'sqlite' ? target : '', TELEGRAM_BOT_TOKEN: '1:SCALE', TELEGRAM_API_ROOT: fake.apiRoot, HTTP_PORT: '0', LOG_LEVEL: 'warn' };
  const workers: ChildProcess[] = [];
  try {
    for (let w = 0; w < s.workers; w++) workers.push(await startWorker(`scale-${w}`, env, configFile));
    const count = async (q: string) => Number((await sql.raw<{ n: number }>(q).execute(store.k)).rows[0]!.n);

    const t0 = Date.now();
    await store.k.updateTable('feeds').set({ next_poll_at: 0 }).execute();
    await until(async () => (await count(`SELECT count(*) AS n FROM feeds WHERE last_polled_at IS NULL OR last_polled_at < ${t0}`)) === 0, 600_000);
    const pollS = (Date.now() - t0) / 1000;
    await until(async () => (await count('SELECT count(*) AS n FROM articles WHERE processed_at IS NULL')) === 0 && (await count('SELECT count(*) AS n FROM articles')) === FEEDS * ITEMS, 900_000);
    const processS = (Date.now() - t0) / 1000;

    const t1 = Date.now();
    await store.k.updateTable('subscriptions').set({ next_due_at: t1 }).execute();
    let killedAfter: number | undefined;
    if (s.kill) {
      await until(async () => (await count('SELECT count(*) AS n FROM digest_parts WHERE platform_message_id IS NOT NULL')) >= SUBSCRIBERS / 3, 300_000);
      workers[0]!.kill('SIGKILL');
      killedAfter = fake.sent.length;
    }
    await until(async () => (await count("SELECT count(*) AS n FROM digests WHERE status = 'sent'")) === SUBSCRIBERS, 900_000);
    const fanoutS = (Date.now() - t1) / 1000;
    const perChat = new Map<string, number>();
    for (const m of fake.sent) perChat.set(m.chat_id, (perChat.get(m.chat_id) ?? 0) + 1);
    const resends = await count('SELECT coalesce(sum(resends), 0) AS n FROM digest_parts');
    return {
      pollS,
      processS,
      fanoutS,
      sent: fake.sent.length,
      rateLimited: fake.rateLimited,
      lost: SUBSCRIBERS - perChat.size,
      duplicated: [...perChat.values()].filter((n) => n > 1).length,
      resends,
      ...(killedAfter !== undefined ? { killedAfter } : {}),
    };
  } finally {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once('exit', r)) : undefined)));
    await store.close();
    await fake.stop();
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A worker as `npm start` runs it; resolves once it serves (its start-up line). */
function startWorker(id: string, env: NodeJS.ProcessEnv, configFile: string): Promise<ChildProcess> {
  // Logs go to stderr; warnings and errors are passed on.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts'), '--config', configFile], { cwd: ROOT, env: { ...env, WORKER_ID: id, LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stderr!.on('data', (c: Buffer) => {
      for (const line of c.toString().split('\n')) if (/"level":(40|50|60)/.test(line)) process.stderr.write(`[${id}] ${line.slice(0, 400)}\n`);
      out += c.toString();
      if (out.includes('next poll')) {
        out = '';
        resolve(child);
      } else if (out.length > 100_000) out = out.slice(-1000);
    });
    child.once('exit', (code) => reject(new Error(`worker ${id} exited with ${code} before it started`)));
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('scale bench: timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
