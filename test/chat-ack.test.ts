import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackAdapter } from '../src/adapters/slack/app.js';
import { TelegramAdapter } from '../src/adapters/telegram/bot.js';
import { silentLogger } from '../src/logger.js';
import { VirtualClock, demoApp } from './helpers/delivery.js';
import { FakeSlack, signedCommand } from './helpers/fake-slack.js';
import { FakeTelegram, commandUpdate } from './helpers/fake-telegram.js';

const SECRET = 'ack-signing-secret';
const FANOUT = 1000;

/**
 * Commands during a fan-out: 1,000 digests are being sent and their sends are held by the fake
 * API, so whatever waits for the outbox waits until the test releases them. Commands must be
 * answered meanwhile (Slack gives up after 3 s and shows the user an error).
 */
describe('chat commands are answered at once, even during a 1,000-chat fan-out', () => {
  const vc = new VirtualClock(Date.parse('2026-03-10T06:00:00Z'));
  let env: Awaited<ReturnType<typeof demoApp>>;
  let slackFake: FakeSlack;
  let tgFake: FakeTelegram;
  let slack: SlackAdapter;
  let tg: TelegramAdapter;

  beforeAll(async () => {
    env = await demoApp(vc);
    slackFake = await new FakeSlack().start();
    tgFake = await new FakeTelegram(vc.clock).start();
    slack = new SlackAdapter({ botToken: 'xoxb-test', signingSecret: SECRET, apiUrl: slackFake.apiUrl, port: 0 }, env.app.delivery.subscriptions, env.app.delivery, silentLogger);
    tg = new TelegramAdapter({ token: '123:TEST', apiRoot: tgFake.apiRoot }, env.app.delivery.subscriptions, env.app.delivery, silentLogger);
    env.app.delivery.register(slack);
    env.app.delivery.register(tg);
    await slack.start();
    await tg.bot.init();
  });
  afterAll(async () => {
    await slack.stop();
    await tg.stop();
    await env.cleanup();
    await slackFake.stop();
    await tgFake.stop();
  });

  /** FANOUT subscribers with a digest each in the outbox, ready to send. */
  async function queueFanout(platform: 'slack' | 'telegram', chat: (i: number) => string): Promise<void> {
    const subs = env.app.delivery.subscriptions;
    for (let i = 0; i < FANOUT; i++) await env.app.delivery.outbox.createNow((await subs.subscribe(platform, chat(i))).subscription.id);
  }

  it('Slack: /digest now, a real signed request, is acknowledged within 1 s while the fan-out is in flight', async () => {
    await queueFanout('slack', (i) => `CFAN${i}`);
    const held = slackFake.hold((channel) => channel.startsWith('CFAN'));
    const fanout = env.app.delivery.sender.runOnce();
    await held.arrived;

    const started = performance.now();
    const res = await signedCommand(`http://127.0.0.1:${slack.port}/slack/events`, SECRET, { channel_id: 'CNOW', channel_name: 'now', text: 'now', response_url: slackFake.responseUrl('CNOW') });
    const body = (await res.json()) as { text: string };
    const ackMs = performance.now() - started;
    expect(res.status).toBe(200);
    expect(body.text).toBe('Preparing the digest for this channel…');
    expect(ackMs).toBeLessThan(1000);
    expect(slackFake.posted).toHaveLength(0); // the fan-out is still held

    held.release();
    await fanout;
    await slack.idle();
    expect(slackFake.posted.filter((p) => p.channel.startsWith('CFAN'))).toHaveLength(FANOUT);
    expect(slackFake.posted.filter((p) => p.channel === 'CNOW')).toHaveLength(1);
    expect(slackFake.responses.filter((r) => r.id === 'CNOW').map((r) => r.body.text)).toEqual(['Posted the digest: 2 stories.']);
  });

  it('Telegram: /digest replies and returns from the update handler while the fan-out is in flight', async () => {
    await queueFanout('telegram', (i) => String(10_000 + i));
    const held = tgFake.hold((chat) => Number(chat) >= 10_000);
    const fanout = env.app.delivery.sender.runOnce();
    await held.arrived;

    // handleUpdate resolves only when the handler has finished: it must not wait for the held sends.
    await tg.bot.handleUpdate(commandUpdate('/digest', { id: 77, type: 'private' }) as never);
    expect(tgFake.messagesTo(77).map((m) => m.text)).toEqual(['Preparing your digest…']);

    held.release();
    await fanout;
    await tg.idle();
    // On a loaded machine a send may fail in passing and be retried a second later: poll the outbox.
    const fannedOut = () => new Set(tgFake.sent.filter((m) => Number(m.chat_id) >= 10_000).map((m) => m.chat_id)).size;
    await expect.poll(async () => (fannedOut() < FANOUT && (await env.app.delivery.sender.runOnce()), fannedOut()), { timeout: 15_000, interval: 500 }).toBe(FANOUT);
    const [answer, ...digest] = tgFake.messagesTo(77);
    expect(answer!.text).toBe('Here is your digest: 2 stories.'); // the reply, edited when the digest was sent
    expect(digest.map((m) => m.text).join('\n')).toContain('Japan to transfer Patriot missiles to US');
  });
});
