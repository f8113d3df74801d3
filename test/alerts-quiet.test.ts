import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../src/adapters/telegram/bot.js';
import { quietUntil } from '../src/digest/quiet-hours.js';
import { silentLogger } from '../src/logger.js';
import { VirtualClock, demoApp } from './helpers/delivery.js';
import { sqliteOf } from './helpers/app.js';
import { FakeTelegram, commandUpdate } from './helpers/fake-telegram.js';
import { StoryGrower } from './helpers/stories.js';

const KYIV = 'Europe/Kyiv';
const night = { start: '22:00', end: '07:00' };

describe('quiet hours on the local wall clock, across DST changes', () => {
  it('end at the local end time on the nights clocks go back and forward', () => {
    // 24→25 Oct 2026: Kyiv goes from UTC+3 to UTC+2 at 04:00. 23:00 local is 20:00Z; 07:00 is 05:00Z (9 h later, not 8).
    expect(quietUntil(night, KYIV, Date.parse('2026-10-24T20:00:00Z'))).toBe(Date.parse('2026-10-25T05:00:00Z'));
    // After midnight, in the repeated hour (03:30 local happens twice): same end.
    expect(quietUntil(night, KYIV, Date.parse('2026-10-25T00:30:00Z'))).toBe(Date.parse('2026-10-25T05:00:00Z'));
    expect(quietUntil(night, KYIV, Date.parse('2026-10-25T01:30:00Z'))).toBe(Date.parse('2026-10-25T05:00:00Z'));
    // 28→29 Mar 2026: UTC+2 to UTC+3 at 03:00. 23:00 local is 21:00Z; 07:00 is 04:00Z (7 h later).
    expect(quietUntil(night, KYIV, Date.parse('2026-03-28T21:00:00Z'))).toBe(Date.parse('2026-03-29T04:00:00Z'));
    // An end inside the spring-forward gap (03:30 does not exist that night) moves forward by the gap: 04:30 local.
    expect(quietUntil({ start: '22:00', end: '03:30' }, KYIV, Date.parse('2026-03-28T21:00:00Z'))).toBe(Date.parse('2026-03-29T01:30:00Z'));
    // Outside quiet hours, and a daytime range that does not cross midnight.
    expect(quietUntil(night, KYIV, Date.parse('2026-10-25T05:00:00Z'))).toBeNull();
    expect(quietUntil(night, KYIV, Date.parse('2026-10-24T18:59:00Z'))).toBeNull();
    expect(quietUntil({ start: '12:00', end: '14:00' }, 'America/New_York', Date.parse('2026-11-01T17:30:00Z'))).toBe(Date.parse('2026-11-01T19:00:00Z'));
  });
});

describe('quiet hours hold alerts through the outbox (local Bot API, virtual clock)', () => {
  let vc: VirtualClock;
  let fake: FakeTelegram;
  let env: Awaited<ReturnType<typeof demoApp>>;
  let tg: TelegramAdapter;
  let grow: StoryGrower;

  beforeEach(async () => {
    vc = new VirtualClock(Date.parse('2026-10-24T20:00:00Z')); // 23:00 in Kyiv, the night clocks go back
    fake = await new FakeTelegram(vc.clock).start();
    env = await demoApp(vc);
    tg = new TelegramAdapter({ token: '123:TEST', apiRoot: fake.apiRoot }, env.app.delivery.subscriptions, env.app.delivery, silentLogger);
    env.app.delivery.register(tg);
    await tg.bot.init();
    grow = new StoryGrower(env.app.db, vc.clock);
  });
  afterEach(async () => {
    await tg.stop();
    await env.cleanup();
    await fake.stop();
  });

  const send = (text: string, chat: number) => tg.bot.handleUpdate(commandUpdate(text, { id: chat, type: 'private' }) as never);
  const alertsTo = (chat: number) => fake.messagesTo(chat).filter((m) => m.text.startsWith('⚡'));
  const lastReply = (chat: number) => fake.messagesTo(chat).at(-1)!.text;

  it('waits until 07:00 local across the DST change, or sends at once without a notification in silent mode', async () => {
    for (const chat of [100, 101, 102]) {
      await send('/start', chat);
      await send('/alerts 3', chat);
    }
    await send('/quiet 22:00-07:00', 100);
    expect(lastReply(100)).toBe('Quiet hours 22:00–07:00 (Europe/Kyiv): alerts wait until 07:00. Digests keep their schedule.');
    await send('/quiet 22:00-07:00 silent', 101);
    expect(lastReply(101)).toBe('Quiet hours 22:00–07:00 (Europe/Kyiv): alerts come without a sound. Digests keep their schedule.');
    await send('/quiet 25:00-07:00', 102);
    expect(lastReply(102)).toMatch(/^Usage: quiet HH:MM-HH:MM \[wait\|silent\] or quiet off/);

    const story = await grow.create('Patriot interceptors reach Ukraine overnight', 'The shipment arrived at night.', 'Reuters');
    await grow.report(story, 'AP');
    await grow.report(story, 'DW');
    await env.app.delivery.tick();
    expect(alertsTo(102)).toHaveLength(1); // no quiet hours
    expect(alertsTo(102)[0]!.disable_notification).toBeUndefined();
    expect(alertsTo(101)).toHaveLength(1); // silent: now, without a sound
    expect(alertsTo(101)[0]!.disable_notification).toBe(true);
    expect(alertsTo(100)).toHaveLength(0); // waits
    const held = sqliteOf(env.app).prepare("SELECT d.next_attempt_at FROM digests d JOIN subscriptions s ON s.id = d.subscription_id WHERE s.chat_id = '100' AND d.kind = 'alert'").pluck().get();
    expect(held).toBe(Date.parse('2026-10-25T05:00:00Z')); // 07:00 at UTC+2

    vc.now = Date.parse('2026-10-25T04:59:00Z'); // 06:59 local (a naive +8 h would have sent at 04:00Z)
    await env.app.delivery.tick();
    expect(alertsTo(100)).toHaveLength(0);
    vc.now = Date.parse('2026-10-25T05:00:00Z');
    await env.app.delivery.tick();
    expect(alertsTo(100)).toHaveLength(1);
    expect(alertsTo(100)[0]!.disable_notification).toBeUndefined();

    await send('/quiet off', 100);
    expect(lastReply(100)).toBe('Quiet hours off: alerts come as soon as they are ready.');
    await send('/settings', 100);
    expect(lastReply(100)).toContain('Quiet hours: none');
    await send('/settings', 101);
    expect(lastReply(101)).toContain('Quiet hours: 22:00–07:00 (Europe/Kyiv), alerts come silently');
    expect(lastReply(101)).toContain('Alerts: when 3 outlets report a story; alerted stories marked in the digest');
  });
});
