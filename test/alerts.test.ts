import path from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../src/adapters/telegram/bot.js';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { EDIT_INTERVAL_MS } from '../src/delivery/alerts.js';
import { createLogger, silentLogger } from '../src/logger.js';
import { ROOT, sqliteOf, tempDir } from './helpers/app.js';
import { VirtualClock } from './helpers/delivery.js';
import { FakeTelegram, commandUpdate } from './helpers/fake-telegram.js';
import { StoryGrower } from './helpers/stories.js';

const T0 = Date.parse('2026-03-10T06:00:00Z');
const MIN = 60_000;

describe('breaking-story alerts on Telegram (local Bot API)', () => {
  let vc: VirtualClock;
  let fake: FakeTelegram;
  let app: App;
  let tg: TelegramAdapter;
  let grow: StoryGrower;
  let logs: string[];
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    vc = new VirtualClock(T0);
    fake = await new FakeTelegram(vc.clock).start();
    const tmp = tempDir();
    logs = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
    app = await createApp(loadConfig(path.join(ROOT, 'config/demo.yaml'), {}), log, { dbPath: path.join(tmp.dir, 'alerts.db'), clock: vc.clock, sleep: vc.sleep });
    tg = new TelegramAdapter({ token: '123:TEST', apiRoot: fake.apiRoot }, app.delivery.subscriptions, app.delivery, silentLogger);
    app.delivery.register(tg);
    await tg.bot.init();
    grow = new StoryGrower(app.db, vc.clock);
    cleanup = async () => {
      await app.close();
      tmp.cleanup();
    };
  });
  afterEach(async () => {
    await tg.stop();
    await cleanup();
    await fake.stop();
  });

  const send = (text: string, chat = 100) => tg.bot.handleUpdate(commandUpdate(text, { id: chat, type: 'private' }) as never);
  const lastReply = (chat = 100) => fake.messagesTo(chat).at(-1)!.text;
  const alertsTo = (chat = 100) => fake.messagesTo(chat).filter((m) => m.text.startsWith('⚡'));
  const tick = () => app.delivery.tick();

  it('alerts a story at its third outlet, then edits that message once when the 4th and 5th join within 10 minutes', async () => {
    await send('/start');
    await send('/alerts 3');
    expect(lastReply()).toMatch(/^Alerts on: a story is posted here as soon as 3 different outlets report it/);
    const story = await grow.create('Germany pledges two more Patriot systems to Ukraine', 'Berlin will deliver two Patriot systems by spring.', 'Reuters');
    await grow.report(story, 'DW');
    await tick();
    expect(alertsTo()).toHaveLength(0); // two outlets: not yet

    await grow.report(story, 'Kyiv Independent');
    await tick();
    const alerts = alertsTo();
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert.text).toContain('<b>Germany pledges two more Patriot systems to Ukraine</b>');
    expect(alert.text).toContain('<i>3 sources</i>');
    expect(alert.disable_notification).toBeUndefined();
    const sentAt = vc.now;

    vc.now += 2 * MIN;
    await grow.report(story, 'Ukrainska Pravda');
    await tick();
    vc.now += 3 * MIN;
    await grow.report(story, 'The Guardian');
    await tick();
    expect(fake.edits).toHaveLength(0); // within 10 minutes of the alert: held

    vc.now = sentAt + EDIT_INTERVAL_MS;
    await tick();
    expect(fake.edits).toHaveLength(1);
    expect(fake.edits[0]).toMatchObject({ chat_id: '100', message_id: alert.message_id });
    expect(fake.edits[0]!.text).toContain('<i>5 sources</i>');
    expect(fake.edits[0]!.text).toContain('The Guardian');
    expect(alertsTo()).toHaveLength(1); // the same message, grown: no second one

    vc.now += EDIT_INTERVAL_MS;
    await tick();
    expect(fake.edits).toHaveLength(1); // nothing new: no edit
    const rows = sqliteOf(app).prepare('SELECT kind, window_key, status FROM digests WHERE kind != ? ORDER BY id').all('digest');
    expect(rows).toEqual([
      { kind: 'alert', window_key: `alert:${story}`, status: 'sent' },
      { kind: 'edit', window_key: `edit:${story}:5`, status: 'sent' },
    ]);

    // The digest marks it with the alert's local time (Europe/Kyiv).
    await send('/digest');
    await tg.idle();
    const local = DateTime.fromMillis(sentAt, { zone: 'Europe/Kyiv' }).toFormat('HH:mm');
    const digest = fake.messagesTo(100).find((m) => m.text.includes('Germany pledges') && !m.text.startsWith('⚡'))!;
    expect(digest.text).toMatch(/^<b>Patriot/);
    expect(digest.text).toContain(`<i>(alerted ${local}, 5 sources)</i>`);
  });

  it('leaves alerted stories out of the digest with skip-digest, and /alerts off stops alerting', async () => {
    await send('/start');
    await send('/alerts 2 skip-digest');
    expect(lastReply()).toContain('left out of the digest');
    const story = await grow.create('Netherlands buys Patriot interceptors for Ukraine', 'The Dutch government ordered interceptors.', 'NOS');
    await grow.report(story, 'Reuters');
    await tick();
    expect(alertsTo()).toHaveLength(1);
    await send('/digest');
    await tg.idle();
    expect(fake.messagesTo(100).filter((m) => m.text.includes('Netherlands buys')).map((m) => m.text.startsWith('⚡'))).toEqual([true]);

    await send('/alerts off');
    expect(lastReply()).toBe('Alerts off: stories come only in the digest.');
    const other = await grow.create('Spain sends Patriot launchers to Ukraine', 'Madrid confirmed the transfer.', 'El País');
    await grow.report(other, 'Reuters');
    await grow.report(other, 'AP');
    await tick();
    expect(alertsTo()).toHaveLength(1);
  });

  it('drops an edit of an alert the reader deleted, with one log line, and edits it no more', async () => {
    await send('/start');
    await send('/alerts 3');
    const story = await grow.create('Patriot battery arrives in Romania for Ukraine training', 'The battery arrived on Monday.', 'Digi24');
    await grow.report(story, 'Reuters');
    await grow.report(story, 'AP');
    await tick();
    const alert = alertsTo()[0]!;
    fake.deleteMessage(100, alert.message_id);

    vc.now += EDIT_INTERVAL_MS;
    await grow.report(story, 'DW');
    await tick();
    const dropped = logs.filter((l) => l.includes('edit dropped'));
    expect(dropped).toHaveLength(1);
    expect(JSON.parse(dropped[0]!).msg).toBe(`alert message ${alert.message_id} is gone from the chat (Bad Request: message to edit not found): edit dropped, no more edits of it`);
    expect(sqliteOf(app).prepare("SELECT status, attempts FROM digests WHERE kind = 'edit'").all()).toEqual([{ status: 'failed', attempts: 0 }]);

    // More outlets later: no new edit is even queued, and nothing is sent.
    vc.now += EDIT_INTERVAL_MS;
    await grow.report(story, 'BBC');
    await tick();
    vc.now += 60 * MIN;
    await tick();
    expect(sqliteOf(app).prepare("SELECT count(*) FROM digests WHERE kind = 'edit'").pluck().get()).toBe(1);
    expect(fake.edits).toHaveLength(0);
    expect(alertsTo()).toHaveLength(0);
    expect(logs.filter((l) => l.includes('edit dropped'))).toHaveLength(1);
  });

  it('counts "message is not modified" as a done edit', async () => {
    await send('/start');
    const id = await tg.send('100', '<b>same</b>');
    await expect(tg.edit('100', id, '<b>same</b>')).resolves.toBeUndefined();
    await expect(tg.edit('100', '999999', '<b>other</b>')).rejects.toThrow(/message to edit not found/);
    let failure;
    try {
      await tg.edit('100', '999999', '<b>other</b>');
    } catch (err) {
      failure = tg.classify(err);
    }
    expect(failure).toEqual({ kind: 'gone', message: 'Bad Request: message to edit not found' });
  });

  it('waits the retry_after of a 429 like a digest, and a blocked bot stops the subscription', async () => {
    await send('/start', 100);
    await send('/alerts 2', 100);
    fake.rateLimitNext = 1;
    fake.retryAfter = 20;
    const story = await grow.create('Patriot crews finish training in Germany', 'The crews return to Ukraine.', 'DW');
    await grow.report(story, 'Reuters');
    await tick();
    const pending = sqliteOf(app).prepare("SELECT d.status, d.next_attempt_at AS at FROM digests d JOIN subscriptions s ON s.id = d.subscription_id WHERE s.chat_id = '100' AND d.kind = 'alert'").get();
    expect(pending).toEqual({ status: 'pending', at: vc.now + 20_000 });

    await send('/start', 101);
    await send('/alerts 2', 101);
    fake.blocked.add('101');
    await grow.report(story, 'AP');
    await tick();
    expect(await app.delivery.subscriptions.get('telegram', '101')).toMatchObject({ active: false, stopReason: 'blocked by the user' });
    expect(alertsTo(100)).toHaveLength(0); // still waiting as asked
    vc.now += 20_000;
    await tick();
    await tick();
    expect(alertsTo(100)).toHaveLength(1);
  });

  it('one alert per story per chat however often the step runs, and only for the chat’s topics and threshold', async () => {
    await send('/start', 100);
    await send('/alerts 2', 100);
    await send('/start', 101);
    await send('/alerts 4', 101);
    const story = await grow.create('Patriot systems shield Kyiv from ballistic missiles', 'Air defence shot down all missiles.', 'Suspilne');
    await grow.report(story, 'Reuters');
    await grow.report(story, 'AP');
    for (let i = 0; i < 3; i++) {
      await app.delivery.alerts.queue();
      await app.delivery.sender.runOnce();
    }
    expect(alertsTo(100)).toHaveLength(1);
    expect(alertsTo(101)).toHaveLength(0); // 3 outlets < 4
    expect(alertsTo(100)[0]!.text).toContain('<i>3 sources</i>');
  });
});
