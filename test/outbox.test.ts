import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../src/adapters/telegram/bot.js';
import { silentLogger } from '../src/logger.js';
import { StoryRepo } from '../src/db/stories.js';
import { nextRun, parseSchedule } from '../src/scheduler/schedule.js';
import type { App } from '../src/app.js';
import { FakeTelegram } from './helpers/fake-telegram.js';
import { VirtualClock, demoApp } from './helpers/delivery.js';
import { sqliteOf } from './helpers/app.js';

const T0 = Date.parse('2026-03-10T04:00:00Z'); // 06:00 in Kyiv
const HOUR = 3_600_000;

function connect(app: App, fake: FakeTelegram): TelegramAdapter {
  const tg = new TelegramAdapter({ token: '123:TEST', apiRoot: fake.apiRoot }, app.delivery.subscriptions, app.delivery, silentLogger);
  app.delivery.register(tg);
  return tg;
}

describe('outbox', () => {
  let vc: VirtualClock;
  let fake: FakeTelegram;
  let env: Awaited<ReturnType<typeof demoApp>>;
  beforeEach(async () => {
    vc = new VirtualClock(T0);
    fake = await new FakeTelegram(vc.clock).start();
    env = await demoApp(vc);
  });
  afterEach(async () => {
    await env.cleanup();
    await fake.stop();
  });

  describe('scheduled digests', () => {
    beforeEach(() => {
      connect(env.app, fake);
    });

    it('sends at the scheduled hour in the subscriber’s time zone, once', async () => {
      const subs = env.app.delivery.subscriptions;
      const sub = (await subs.subscribe('telegram', '100')).subscription;
      expect(new Date(sub.nextDueAt!).toISOString()).toBe('2026-03-10T06:00:00.000Z'); // 08:00 Kyiv (UTC+2)
      await env.app.delivery.tick();
      expect(fake.messagesTo(100)).toHaveLength(0);
      vc.now = sub.nextDueAt!;
      await env.app.delivery.tick();
      await env.app.delivery.tick();
      expect(fake.messagesTo(100)).toHaveLength(1);
      expect((await subs.get('telegram', '100'))!.nextDueAt).toBe(Date.parse('2026-03-11T06:00:00Z'));
    });

    it('sends a digest that fell due while the process was down once, on restart', async () => {
      const sub = (await env.app.delivery.subscriptions.subscribe('telegram', '100')).subscription;
      const dbPath = env.app.db.name;
      await env.app.close();
      vc.now = sub.nextDueAt! + 3 * 24 * HOUR + 5 * 60_000; // three scheduled times missed
      const restarted = await demoApp(vc, dbPath);
      connect(restarted.app, fake);
      await restarted.app.delivery.tick();
      await restarted.app.delivery.tick();
      expect(fake.messagesTo(100)).toHaveLength(1);
      expect(sqliteOf(restarted.app).prepare('SELECT count(*) FROM digests').pluck().get()).toBe(1);
      expect((await restarted.app.delivery.subscriptions.get('telegram', '100'))!.nextDueAt).toBeGreaterThan(vc.now);
      await restarted.app.close();
    });

    it('sends nothing when nothing is new, unless the "nothing new" note is on', async () => {
      const subs = env.app.delivery.subscriptions;
      const sub = (await subs.subscribe('telegram', '100')).subscription;
      await env.app.delivery.digestNow(sub.id);
      expect(fake.messagesTo(100)).toHaveLength(1);
      vc.now = (await subs.get('telegram', '100'))!.nextDueAt!;
      await env.app.delivery.tick();
      expect(fake.messagesTo(100)).toHaveLength(1);
      expect(sqliteOf(env.app).prepare("SELECT status FROM digests ORDER BY id DESC LIMIT 1").pluck().get()).toBe('empty');
      env.app.config.digest.nothingNewNote = true;
      vc.now = (await subs.get('telegram', '100'))!.nextDueAt!;
      await env.app.delivery.tick();
      expect(fake.messagesTo(100)).toHaveLength(2);
      expect(fake.messagesTo(100)[1]!.text).toContain('Nothing new on your topics since the last digest.');
    });

    it('includes a story again when it gains sources, saying so', async () => {
      const subs = env.app.delivery.subscriptions;
      const sub = (await subs.subscribe('telegram', '100')).subscription;
      await env.app.delivery.digestNow(sub.id);
      // Two more outlets report the Russian warning.
      const repo = new StoryRepo(env.app.db);
      const warning = (await repo.list()).find((s) => s.article_count === 1)!;
      vc.now += HOUR;
      for (const n of [1, 2]) {
        const feed = sqliteOf(env.app).prepare("INSERT INTO feeds (url, title, origin, created_at) VALUES (?, ?, 'user', ?)").run(`https://extra${n}.example/rss`, `Extra Outlet ${n}`, vc.now);
        const art = sqliteOf(env.app)
          .prepare("INSERT INTO articles (feed_id, url, link, title, published_at, first_seen_at, updated_at, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, 'h')")
          .run(feed.lastInsertRowid, `https://extra${n}.example/a`, `https://extra${n}.example/a`, `Moscow warns Tokyo over Patriot missiles ${n}`, warning.last_published, vc.now, vc.now);
        await repo.addMembers([{ storyId: warning.id, articleId: Number(art.lastInsertRowid), similarity: 0.5, reason: 'similar' }], vc.now);
      }
      await repo.refresh([warning.id], vc.now);
      await env.app.delivery.digestNow(sub.id);
      const second = fake.messagesTo(100).at(-1)!.text;
      expect(second).toContain('Russia warns Japan over supply of Patriot air defense systems to Ukraine</b> <i>(update: +2 sources)</i>');
      expect(second).not.toContain('Japan to transfer Patriot missiles to US');
    });
  });

  describe('crashes and concurrent workers', () => {
    it('resumes after a crash between two parts without resending part one', async () => {
      const app = env.app;
      const dbPath = app.db.name;
      const sub = (await app.delivery.subscriptions.subscribe('telegram', '100')).subscription;
      const created = (await app.delivery.outbox.createNow(sub.id))!;
      // Store a two-part digest, as a long digest renders.
      sqliteOf(app).prepare('INSERT INTO digest_parts (digest_id, seq, payload) VALUES (?, 0, ?), (?, 1, ?)').run(created.id, JSON.stringify('<b>part one</b>'), created.id, JSON.stringify('<b>part two</b>'));
      fake.hangOn = 'part two'; // the process "dies" while sending part two
      connect(app, fake);
      // Its promise is abandoned like a killed process; errors after the "death" are ignored.
      app.delivery.sender.runOnce().catch(() => undefined);
      await expect.poll(() => fake.calls.filter((c) => c.method === 'sendMessage').length).toBe(2);
      expect(sqliteOf(app).prepare('SELECT seq, platform_message_id IS NOT NULL AS sent FROM digest_parts ORDER BY seq').all()).toEqual([
        { seq: 0, sent: 1 },
        { seq: 1, sent: 0 },
      ]);
      // A new process on the same database, after the dead one's lease ran out.
      fake.hangOn = undefined;
      vc.now += 6 * 60_000;
      const restarted = await demoApp(vc, dbPath, 'worker-2');
      connect(restarted.app, fake);
      await restarted.app.delivery.sender.runOnce();
      expect(fake.messagesTo(100).map((m) => m.text)).toEqual(['<b>part one</b>', '<b>part two</b>']);
      expect(sqliteOf(restarted.app).prepare('SELECT status FROM digests WHERE id = ?').pluck().get(created.id)).toBe('sent');
      await restarted.app.close();
    });

    it('never sends the same digest twice from two workers on one database', async () => {
      const dbPath = env.app.db.name;
      const subs = env.app.delivery.subscriptions;
      for (let i = 0; i < 20; i++) await subs.subscribe('telegram', String(1000 + i));
      vc.now = (await subs.get('telegram', '1000'))!.nextDueAt!;
      const other = await demoApp(vc, dbPath, 'worker-B');
      connect(env.app, fake);
      connect(other.app, fake);
      // Both workers are in this one process, so better-sqlite3's busy wait (synchronous) on one
      // connection would stall the other's open transaction for the whole busy timeout: here a
      // lock is reported at once instead, and the code's own lock handling (retry, or build at
      // the next tick) takes over, as it does between two processes.
      for (const app of [env.app, other.app]) sqliteOf(app).pragma('busy_timeout = 0');
      const left = () => sqliteOf(env.app).prepare("SELECT count(*) FROM subscriptions WHERE next_due_at <= ?").pluck().get(vc.now) as number
        + (sqliteOf(env.app).prepare("SELECT count(*) FROM digests WHERE status IN ('pending', 'sending')").pluck().get() as number);
      for (let round = 0; round < 10 && (round === 0 || left() > 0); round++) {
        await Promise.all([env.app.delivery.tick(), other.app.delivery.tick(), env.app.delivery.tick(), other.app.delivery.tick()]);
      }
      expect(left()).toBe(0);
      expect(sqliteOf(env.app).prepare("SELECT count(*) FROM digests WHERE status = 'sent'").pluck().get()).toBe(20);
      for (let i = 0; i < 20; i++) expect(fake.messagesTo(1000 + i)).toHaveLength(1);
      expect(sqliteOf(env.app).prepare('SELECT count(*) FROM digests').pluck().get()).toBe(20);
      await other.app.close();
    });
  });
});

describe('schedules across daylight-saving changes', () => {
  const runs = (text: string, tz: string, from: string, to: string) => {
    const s = parseSchedule(text);
    const out: string[] = [];
    let t = Date.parse(from);
    for (;;) {
      t = nextRun(s, tz, t)!;
      if (t > Date.parse(to)) return out;
      out.push(new Date(t).toLocaleString('sv-SE', { timeZone: tz }));
    }
  };

  it('Europe/Kyiv: a digest at a skipped or repeated hour is sent exactly once that day', () => {
    // Spring forward 29 Mar 2026 03:00 → 04:00; fall back 25 Oct 2026 04:00 → 03:00.
    expect(runs('daily 03:30', 'Europe/Kyiv', '2026-03-27T12:00:00Z', '2026-03-31T12:00:00Z')).toEqual(['2026-03-28 03:30:00', '2026-03-29 04:30:00', '2026-03-30 03:30:00', '2026-03-31 03:30:00']);
    expect(runs('daily 03:30', 'Europe/Kyiv', '2026-10-23T12:00:00Z', '2026-10-27T12:00:00Z')).toEqual(['2026-10-24 03:30:00', '2026-10-25 03:30:00', '2026-10-26 03:30:00', '2026-10-27 03:30:00']);
    expect(runs('daily 08:00', 'Europe/Kyiv', '2026-03-28T12:00:00Z', '2026-03-30T12:00:00Z')).toEqual(['2026-03-29 08:00:00', '2026-03-30 08:00:00']);
  });

  it('America/New_York: the same, and "every 3h" keeps to the wall clock', () => {
    expect(runs('daily 02:30', 'America/New_York', '2026-03-07T12:00:00Z', '2026-03-10T12:00:00Z')).toEqual(['2026-03-08 03:30:00', '2026-03-09 02:30:00', '2026-03-10 02:30:00']);
    expect(runs('daily 01:30', 'America/New_York', '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z')).toEqual(['2026-11-01 01:30:00', '2026-11-02 01:30:00']);
    const every3 = runs('every 3h', 'America/New_York', '2026-11-01T03:30:00Z', '2026-11-01T18:00:00Z');
    expect(new Set(every3).size).toBe(every3.length);
    // 00:00 EDT, then the clock falls back at 02:00: 03:00 EST is four real hours later, not two firings.
    expect(every3).toEqual(['2026-11-01 00:00:00', '2026-11-01 03:00:00', '2026-11-01 06:00:00', '2026-11-01 09:00:00', '2026-11-01 12:00:00']);
  });

  it('parses the schedules users type and explains wrong ones', () => {
    expect(parseSchedule('Daily 8:00').text).toBe('daily 08:00');
    expect(parseSchedule('twice 08:00 20:00').crons).toEqual(['0 8 * * *', '0 20 * * *']);
    expect(parseSchedule('weekdays 09:00').crons).toEqual(['0 9 * * 1-5']);
    expect(parseSchedule('every 3h').crons).toEqual(['0 */3 * * *']);
    expect(parseSchedule('off').crons).toEqual([]);
    expect(parseSchedule('30 7 * * 1-5').crons).toEqual(['30 7 * * 1-5']);
    expect(() => parseSchedule('daily 25:00')).toThrow('"25:00" is not a time of day; expected HH:MM, e.g. 08:00');
    expect(() => parseSchedule('every 5h')).toThrow(/must divide a day/);
    expect(() => parseSchedule('hourly')).toThrow(/is not a schedule; use daily 08:00/);
  });
});
