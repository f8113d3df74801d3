import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TelegramAdapter } from '../src/adapters/telegram/bot.js';
import type { App } from '../src/app.js';
import { runCli } from '../src/cli.js';
import { afterTransientFailure, MAX_RETRY_DELAY_MS, retryDelay } from '../src/delivery/retry-policy.js';
import { silentLogger } from '../src/logger.js';
import { ChatApiProxy } from './helpers/chat-proxy.js';
import { VirtualClock, demoApp } from './helpers/delivery.js';
import { FakeTelegram } from './helpers/fake-telegram.js';
import { sqliteOf } from './helpers/app.js';

const T0 = Date.parse('2026-03-10T04:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('retry policy', () => {
  it('backs off 1 s, 2 s, 4 s … with jitter, never more than 10 min between tries', () => {
    expect(retryDelay(1, () => 0)).toBe(500);
    expect(retryDelay(1, () => 0.999)).toBe(1000);
    expect(retryDelay(4, () => 0.5)).toBe(6000);
    expect(retryDelay(12, () => 0)).toBe(300_000);
    expect(retryDelay(500, () => 0.999)).toBe(599_700);
    expect(retryDelay(500, () => 1)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('retries until delivery.retryFor has passed since the failures began, the last try on the deadline', () => {
    const at = (now: number) => afterTransientFailure({ attempts: 50, failingSince: 0, now, retryForMs: 24 * HOUR, random: () => 0.5 });
    expect(at(HOUR)).toEqual({ dead: false, at: HOUR + 7.5 * MINUTE });
    expect(at(24 * HOUR - MINUTE)).toEqual({ dead: false, at: 24 * HOUR });
    expect(at(24 * HOUR)).toEqual({ dead: true });
  });
});

describe('chat API outages and the dead letter', () => {
  let vc: VirtualClock;
  let fake: FakeTelegram;
  let proxy: ChatApiProxy;
  let env: Awaited<ReturnType<typeof demoApp>>;
  let app: App;
  beforeEach(async () => {
    vc = new VirtualClock(T0);
    fake = await new FakeTelegram(vc.clock).start();
    proxy = await new ChatApiProxy(fake.apiRoot, vc.clock).start();
    env = await demoApp(vc);
    app = env.app;
    app.delivery.register(new TelegramAdapter({ token: '123:TEST', apiRoot: proxy.url }, app.delivery.subscriptions, app.delivery, silentLogger));
  });
  afterEach(async () => {
    await env.cleanup();
    await proxy.stop();
    await fake.stop();
  });

  /** The stored parts of each chat's digests, in order: what the chat must have received, once. */
  const expected = () =>
    sqliteOf(app)
      .prepare(`SELECT s.chat_id AS chat, json_group_array(json(p.payload)) AS texts
        FROM digest_parts p JOIN digests d ON d.id = p.digest_id JOIN subscriptions s ON s.id = d.subscription_id
        GROUP BY s.chat_id ORDER BY s.chat_id`)
      .all()
      .map((r) => r as { chat: string; texts: string })
      .map((r) => ({ chat: r.chat, texts: JSON.parse(r.texts) as string[] }));

  it('a chat API down for 10 minutes: every digest due meanwhile is delivered once when it is back', async () => {
    const CHATS = 30;
    const subs = app.delivery.subscriptions;
    // Due every 20 s through the outage, the first at its start.
    for (let i = 0; i < CHATS; i++) {
      const sub = (await subs.subscribe('telegram', String(200 + i))).subscription;
      sqliteOf(app).prepare('UPDATE subscriptions SET next_due_at = ? WHERE id = ?').run(T0 + i * 20_000, sub.id);
    }
    const back = T0 + 10 * MINUTE;
    proxy.outage = { until: back, mode: 'bad-gateway' }; // the first half: the proxy's 502 page
    // The worker's 15-second tick, for 40 minutes.
    for (let t = T0; t <= T0 + 40 * MINUTE; t += 15_000) {
      vc.now = Math.max(vc.now, t);
      if (vc.now >= T0 + 5 * MINUTE && vc.now < back) proxy.outage = { until: back, mode: 'reset' }; // then dropped connections
      await app.delivery.tick();
    }
    const rows = sqliteOf(app).prepare('SELECT status, sent_at, attempts FROM digests').all() as { status: string; sent_at: number; attempts: number }[];
    expect(rows).toHaveLength(CHATS);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const chats = expected();
    expect(chats).toHaveLength(CHATS);
    for (const { chat, texts } of chats) expect(fake.messagesTo(chat).map((m) => m.text)).toEqual(texts);
    expect(fake.sent).toHaveLength(chats.reduce((n, c) => n + c.texts.length, 0));
    const lastDelivery = Math.max(...rows.map((r) => r.sent_at));
    console.log(`outage test: ${CHATS} digests due during a 10-min outage, ${proxy.failures} failed calls, ${Math.max(...rows.map((r) => r.attempts))} failed attempts at most for one digest, all delivered once, the last ${((lastDelivery - back) / MINUTE).toFixed(1)} min after the API was back`);
    expect(proxy.failures).toBeGreaterThanOrEqual(CHATS);
    // The backoff is capped at 10 min: everything is out within one cap (plus a tick) of the API's return.
    expect(lastDelivery).toBeLessThanOrEqual(back + MAX_RETRY_DELAY_MS + 15_000);
  });

  it('gives up after delivery.retryFor (24 h) as dead, shown by the CLI, sent by `outbox resend`; a blocked chat still stops', async () => {
    const subs = app.delivery.subscriptions;
    const sub = (await subs.subscribe('telegram', '100', undefined, 'Reader')).subscription;
    proxy.outage = { until: Infinity, mode: 'bad-gateway' };
    const digest = (await app.delivery.outbox.createNow(sub.id))!;
    const delays: number[] = [];
    for (let tries = 0; tries < 1000; tries++) {
      await app.delivery.sender.runOnce();
      const row = sqliteOf(app).prepare('SELECT status, next_attempt_at FROM digests WHERE id = ?').get(digest.id) as { status: string; next_attempt_at: number };
      if (row.status !== 'pending') break;
      delays.push(row.next_attempt_at - vc.now);
      vc.now = row.next_attempt_at;
    }
    const dead = sqliteOf(app).prepare('SELECT status, attempts, failing_since, dead_at, last_error FROM digests WHERE id = ?').get(digest.id) as Record<string, number | string>;
    expect(dead).toMatchObject({ status: 'dead', attempts: delays.length + 1, failing_since: T0, dead_at: T0 + 24 * HOUR });
    expect(dead.last_error).toMatch(/502|Bad Gateway|network/i);
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_RETRY_DELAY_MS);
    expect(new Set(delays.slice(-20)).size).toBe(20); // jittered, not in lockstep
    console.log(`dead-letter test: ${dead.attempts} attempts over 24 h, longest wait ${Math.max(...delays) / 1000} s, last error "${dead.last_error}"`);
    expect((await subs.get('telegram', '100'))!.active).toBe(true); // the chat is fine; only the API was down

    // A blocked chat is a permanent error: its subscription stops, as before.
    const blocked = (await subs.subscribe('telegram', '300')).subscription;
    fake.blocked.add('300');
    proxy.outage = undefined;
    await app.delivery.digestNow(blocked.id);
    expect(await subs.get('telegram', '300')).toMatchObject({ active: false, stopReason: 'blocked by the user' });

    const cli = async (...args: string[]) => {
      const lines: string[] = [];
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (lines.push(String(chunk).trimEnd()), true));
      try {
        const code = await runCli([...args, '--config', 'config/demo.yaml', '--db', app.db.name], (l) => lines.push(l));
        return { code, out: lines.join('\n') };
      } finally {
        stderr.mockRestore();
      }
    };
    const listed = await cli('outbox');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(new RegExp(`^ +${digest.id}  DEAD +telegram:100 \\(Reader\\)  built 2026-03-10T04:00:00.000Z, ${dead.attempts} failed attempts, given up 2026-03-11T04:00:00.000Z: .+$`, 'm'));
    expect(listed.out).toMatch(/ FAILED +telegram:300 .*subscription stopped: blocked by the user: Forbidden: bot was blocked by the user/);
    expect(listed.out).toContain('send again: npm run cli -- outbox resend <id>');
    expect(JSON.parse((await cli('outbox', '--json')).out)[0]).toMatchObject({ id: digest.id, status: 'dead', deadAt: '2026-03-11T04:00:00.000Z' });
    expect((await cli('subscriptions', 'list')).out).toMatch(/telegram:100 \(Reader\) .* 1 DEAD digest \(npm run cli -- outbox\)/);

    const refused = await cli('outbox', 'resend', String(digest.id + 1));
    expect(refused).toMatchObject({ code: 2 });
    expect(refused.out).toContain('it must subscribe again first');
    expect((await cli('outbox', 'resend', 'x')).code).toBe(2);
    expect((await cli('outbox', 'resend')).code).toBe(2);
    const resent = await cli('outbox', 'resend', '--all');
    expect(resent.out).toContain(`digest ${digest.id} (telegram:100) queued again`);
    const row = sqliteOf(app).prepare('SELECT status, attempts, next_attempt_at FROM digests WHERE id = ?').get(digest.id) as { status: string; attempts: number; next_attempt_at: number };
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });

    // The API is back: the worker's next outbox run sends it, once (the CLI queued it at the real time).
    vc.now = Math.max(vc.now, row.next_attempt_at);
    await app.delivery.sender.runOnce();
    expect(fake.messagesTo(100)).toHaveLength(1);
    expect(sqliteOf(app).prepare('SELECT status FROM digests WHERE id = ?').pluck().get(digest.id)).toBe('sent');
    expect((await cli('outbox', 'resend', String(digest.id))).code).toBe(2); // delivered: nothing to resend
    expect((await cli('outbox', 'resend', '--all')).out).toBe('no dead digests to send again');
  });
});
