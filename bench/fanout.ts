import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/logger.js';
import { SubscriptionService } from '../src/digest/subscriptions.js';
import { TelegramAdapter } from '../src/adapters/telegram/bot.js';
import { FakeTelegram } from '../test/helpers/fake-telegram.js';

/**
 * One digest to 1,000 Telegram subscribers through the real outbox, grammY and a local Bot API
 * that enforces 30 messages/s overall and 1 message/s per chat with 429s. The floor is
 * 1,000 / 30 = 33.3 s; we want no 429 at all and every subscriber getting exactly one message.
 */
export async function benchFanout(subscribers = 1000): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nd-fanout-'));
  const fake = await new FakeTelegram().start();
  fake.enforceRates = true;
  const app = await createApp(loadConfig(path.resolve('config/demo.yaml'), {}), silentLogger, { dbPath: path.join(dir, 'fanout.db') });
  try {
    await app.pipeline.poll();
    const tg = new TelegramAdapter({ token: '1:BENCH', apiRoot: fake.apiRoot }, app.delivery.subscriptions, app.delivery, silentLogger);
    app.delivery.register(tg);
    // The same service the chats' commands call, on the transaction's handle: one write transaction for all.
    await app.db.transaction(async (tx) => {
      const subs = new SubscriptionService(tx, app.config, app.clock);
      for (let i = 0; i < subscribers; i++) await subs.subscribe('telegram', String(10_000 + i));
    });
    // Everyone due now.
    await app.db.k.updateTable('subscriptions').set({ next_due_at: Date.now() }).execute();
    const started = performance.now();
    // The worker's tick: digests built and sent (sending starts while the rest are built); then
    // more runs for any retry that a 429 scheduled.
    await app.delivery.tick();
    for (let rounds = 0; rounds < 50; rounds++) {
      await app.delivery.sender.runOnce();
      const r = await app.db.k.selectFrom('digests').select((eb) => eb.fn.min('next_attempt_at').as('next')).where('status', 'in', ['pending', 'sending']).executeTakeFirst();
      const next = r?.next ?? null;
      if (next === null) break;
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
    const seconds = (performance.now() - started) / 1000;
    const startedAt = Date.now() - seconds * 1000;
    const first = fake.sent.length ? (fake.sent[0]!.at - startedAt) / 1000 : NaN;
    const span = fake.sent.length > 1 ? (fake.sent.at(-1)!.at - fake.sent[0]!.at) / 1000 : 0;
    const perChat = new Map<string, number>();
    for (const m of fake.sent) perChat.set(m.chat_id, (perChat.get(m.chat_id) ?? 0) + 1);
    const lost = subscribers - perChat.size;
    const duplicated = [...perChat.values()].filter((n) => n > 1).length;
    console.log(`fan-out: 1 digest to ${subscribers} Telegram subscribers, fake Bot API enforcing 30 msg/s overall and 1 msg/s per chat`);
    console.log(`  ${seconds.toFixed(1)} s for ${fake.sent.length} messages (floor ${(subscribers / 30).toFixed(1)} s; ${((subscribers / 30 / seconds) * 100).toFixed(0)}% of the allowed rate): the first ${first.toFixed(2)} s after the digests were due, then ${span.toFixed(1)} s from the first to the last`);
    console.log(`  429 responses: ${fake.rateLimited}; lost: ${lost}; duplicated: ${duplicated}`);
  } finally {
    await app.close();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
