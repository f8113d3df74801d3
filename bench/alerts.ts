import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { EDIT_INTERVAL_MS } from '../src/delivery/alerts.js';
import { silentLogger } from '../src/logger.js';
import { SubscriptionService } from '../src/digest/subscriptions.js';
import { TelegramAdapter } from '../src/adapters/telegram/bot.js';
import { FakeTelegram } from '../test/helpers/fake-telegram.js';
import { StoryGrower } from '../test/helpers/stories.js';

/**
 * 1,000 Telegram chats with `/alerts 3`, through the real alert queue, outbox, grammY and a local
 * Bot API enforcing 30 messages/s overall and 1 message/s per chat with 429s. A story reaches its
 * third outlet: every chat must get its alert within the rate floor (1,000 / 30 per second) plus
 * 10%, with no 429. Then 4 more outlets join: every chat's alert is edited once (after the
 * 10-minute edit interval, skipped on the app's clock), no new message, paced the same.
 */
export async function benchAlerts(subscribers = 1000): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nd-alerts-'));
  const fake = await new FakeTelegram().start();
  fake.enforceRates = true;
  // The app's clock can jump ahead (the edit interval) while pacing runs on real time.
  let skipped = 0;
  const clock = () => Date.now() + skipped;
  const app = await createApp(loadConfig(path.resolve('config/demo.yaml'), {}), silentLogger, { dbPath: path.join(dir, 'alerts.db'), clock });
  try {
    app.delivery.register(new TelegramAdapter({ token: '1:BENCH', apiRoot: fake.apiRoot }, app.delivery.subscriptions, app.delivery, silentLogger));
    // The same service the chats' commands call, on the transaction's handle: one write transaction for all.
    await app.db.transaction(async (tx) => {
      const subs = new SubscriptionService(tx, app.config, app.clock);
      for (let i = 0; i < subscribers; i++) {
        await subs.subscribe('telegram', String(10_000 + i));
        await subs.setAlerts('telegram', String(10_000 + i), '3');
      }
    });
    const grow = new StoryGrower(app.db, clock);
    const story = await grow.create('Germany to deliver two more Patriot systems to Ukraine', 'Berlin will send two more Patriot systems within weeks.', 'Reuters');
    await grow.report(story, 'DW');
    skipped += 1000; // the alert step sees a story changed after alerts were turned on

    await grow.report(story, 'Kyiv Independent');
    const alerts = await phase(app);
    const perChat = new Map<string, number>();
    for (const m of fake.sent) perChat.set(m.chat_id, (perChat.get(m.chat_id) ?? 0) + 1);
    const floor = subscribers / 30;
    console.log(`alerts: ${subscribers} Telegram chats with /alerts 3, fake Bot API enforcing 30 msg/s overall and 1 msg/s per chat`);
    console.log(`  story reaches 3 outlets: ${alerts.queued} alerts queued in ${alerts.queueMs.toFixed(0)} ms; ${fake.sent.length} messages delivered in ${alerts.seconds.toFixed(1)} s (floor ${floor.toFixed(1)} s, limit +10% ${(floor * 1.1).toFixed(1)} s: ${alerts.seconds <= floor * 1.1 ? 'within' : 'OVER'}; ${(fake.sent.length / alerts.seconds).toFixed(1)} msg/s)`);
    console.log(`  429 responses: ${fake.rateLimited}; chats without the alert: ${subscribers - perChat.size}; chats with more than one: ${[...perChat.values()].filter((n) => n > 1).length}`);

    const sentBefore = fake.sent.length;
    const limitedBefore = fake.rateLimited;
    skipped += EDIT_INTERVAL_MS;
    for (const outlet of ['AP', 'BBC', 'The Guardian', 'Ukrainska Pravda']) await grow.report(story, outlet);
    const edits = await phase(app);
    const edited = new Set(fake.edits.map((e) => e.chat_id));
    const peak = peakPerSecond(fake.edits.map((e) => e.at));
    console.log(`  4 more outlets join: ${edits.queued} edits queued in ${edits.queueMs.toFixed(0)} ms; ${fake.edits.length} edits in ${edits.seconds.toFixed(1)} s (${(fake.edits.length / edits.seconds).toFixed(1)} edits/s, busiest second ${peak}); chats edited: ${edited.size}; new messages: ${fake.sent.length - sentBefore}; 429 responses: ${fake.rateLimited - limitedBefore}`);
    console.log(`  every edit shows 7 sources: ${fake.edits.every((e) => e.text.includes('7 sources')) ? 'yes' : 'NO'}`);
  } finally {
    await app.close();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One tick's work: queue what is due, then send until the outbox is empty (waiting out any retry a 429 set). */
async function phase(app: App): Promise<{ queued: number; queueMs: number; seconds: number }> {
  const started = performance.now();
  const q = await app.delivery.alerts.queue();
  const queueMs = performance.now() - started;
  for (let rounds = 0; rounds < 50; rounds++) {
    await app.delivery.sender.runOnce();
    const next = await nextAttempt(app);
    if (next === null) break;
    await new Promise((r) => setTimeout(r, Math.max(0, next - app.clock())));
  }
  return { queued: q.alerts + q.edits, queueMs, seconds: (performance.now() - started) / 1000 };
}

/** When the outbox's next send is due (null: nothing left to send). */
export async function nextAttempt(app: App): Promise<number | null> {
  const r = await app.db.k
    .selectFrom('digests')
    .select((eb) => eb.fn.min('next_attempt_at').as('next'))
    .where('status', 'in', ['pending', 'sending'])
    .executeTakeFirst();
  return r?.next ?? null;
}

/** The most events in any one-second window. */
function peakPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}
