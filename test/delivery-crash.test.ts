import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../src/adapters/telegram/bot.js';
import type { App } from '../src/app.js';
import { silentLogger } from '../src/logger.js';
import { ChatApiProxy } from './helpers/chat-proxy.js';
import { VirtualClock, demoApp } from './helpers/delivery.js';
import { FakeTelegram } from './helpers/fake-telegram.js';
import { SqliteLockHolder } from './helpers/sqlite-lock.js';
import { sqliteOf } from './helpers/app.js';

const T0 = Date.parse('2026-03-10T04:00:00Z');

function connect(app: App, apiRoot: string): void {
  app.delivery.register(new TelegramAdapter({ token: '123:TEST', apiRoot }, app.delivery.subscriptions, app.delivery, silentLogger));
}

describe('restarts, worker ids and database locks', () => {
  let vc: VirtualClock;
  let fake: FakeTelegram;
  let env: Awaited<ReturnType<typeof demoApp>>;
  const others: App[] = [];
  beforeEach(async () => {
    vc = new VirtualClock(T0);
    fake = await new FakeTelegram(vc.clock).start();
    env = await demoApp(vc, undefined, 'worker-1');
  });
  afterEach(async () => {
    for (const a of others.splice(0)) if (a.db.open) await a.close();
    await env.cleanup();
    await fake.stop();
  });
  const open = async (owner: string): Promise<App> => {
    const { app } = await demoApp(vc, env.app.db.name, owner);
    others.push(app);
    connect(app, fake.apiRoot);
    return app;
  };
  const parts = (app: App) => sqliteOf(app).prepare('SELECT digest_id, platform_message_id IS NOT NULL AS saved, resends FROM digest_parts ORDER BY digest_id').all();

  /** Two digests whose sends never get an answer, like a process killed mid-send; the sender is abandoned. */
  const strandTwoDigests = async () => {
    const subs = env.app.delivery.subscriptions;
    const ids: number[] = [];
    for (const chat of ['100', '101']) ids.push((await env.app.delivery.outbox.createNow((await subs.subscribe('telegram', chat)).subscription.id))!.id);
    connect(env.app, fake.apiRoot);
    fake.hangOn = 'Patriot';
    env.app.delivery.sender.runOnce().catch(() => undefined);
    await expect.poll(() => fake.calls.filter((c) => c.method === 'sendMessage').length).toBe(2);
    fake.hangOn = undefined;
    return ids;
  };

  it('a restart under the same worker id resumes its leased digests at once, not after the 5-minute lease', async () => {
    const ids = await strandTwoDigests();
    await env.app.close(); // the process dies, leaving both digests leased to worker-1
    // Another worker leaves them alone: the lease is not its own and has not run out.
    const other = await open('worker-2');
    expect(await other.delivery.sender.runOnce()).toMatchObject({ sent: 0 });
    // worker-1 back one second later takes them up at once.
    vc.now += 1000;
    const restarted = await open('worker-1');
    expect(await restarted.delivery.sender.runOnce()).toMatchObject({ sent: 2 });
    expect(restarted.delivery.sender.workerId).toBe('worker-1');
    expect(fake.messagesTo(100)).toHaveLength(1);
    expect(fake.messagesTo(101)).toHaveLength(1);
    // Each part had been sent with no answer: sent again, and counted as a possible duplicate.
    expect(parts(restarted)).toEqual(ids.map((id) => ({ digest_id: id, saved: 1, resends: 1 })));
  });

  it('a second live process with the same worker id gets a temporary one and never takes the first one’s digests', async () => {
    await strandTwoDigests(); // worker-1 is alive, waiting for the answers
    const twin = await open('worker-1');
    vc.now += 1000;
    expect(await twin.delivery.sender.runOnce()).toMatchObject({ sent: 0 });
    expect(twin.delivery.sender.workerId).toMatch(/^worker-1~\d+-[0-9a-f]{8}$/);
    expect(fake.sent).toHaveLength(0);
    // Once the first process is gone, the next start under worker-1 takes the id and the digests.
    await env.app.close();
    const next = await open('worker-1');
    expect(await next.delivery.sender.runOnce()).toMatchObject({ sent: 2 });
    expect(next.delivery.sender.workerId).toBe('worker-1');
  });

  it('a lock held by another connection when the message id is saved is waited out: no second send', async () => {
    const proxy = await new ChatApiProxy(fake.apiRoot, vc.clock).start();
    const holder = await SqliteLockHolder.open(env.app.db.name);
    try {
      connect(env.app, proxy.url);
      // Shorter than the lock, so the sender's own retries are exercised, not only SQLite's wait.
      sqliteOf(env.app).pragma('busy_timeout = 300');
      const sub = (await env.app.delivery.subscriptions.subscribe('telegram', '100')).subscription;
      const digest = (await env.app.delivery.outbox.createNow(sub.id))!;
      let released: Promise<void> | undefined;
      // The moment Telegram has accepted the message, before the sender hears of it, another
      // connection takes the write lock for 1.5 s.
      proxy.onAnswer = async (path) => {
        if (path.endsWith('/sendMessage') && !released) released = (await holder.lock(1500)).released;
      };
      const started = Date.now();
      expect(await env.app.delivery.sender.runOnce()).toMatchObject({ sent: 1 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // it did meet the lock
      await released;
      expect(fake.messagesTo(100)).toHaveLength(1);
      expect(sqliteOf(env.app).prepare('SELECT status FROM digests WHERE id = ?').pluck().get(digest.id)).toBe('sent');
      expect(parts(env.app)).toEqual([{ digest_id: digest.id, saved: 1, resends: 0 }]);
      // Nothing left to send later either.
      vc.now += 10 * 60_000;
      await env.app.delivery.sender.runOnce();
      expect(fake.messagesTo(100)).toHaveLength(1);
    } finally {
      await holder.close();
      await proxy.stop();
    }
  });
});
