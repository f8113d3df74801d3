import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackAdapter } from '../src/adapters/slack/app.js';
import { EDIT_INTERVAL_MS } from '../src/delivery/alerts.js';
import { silentLogger } from '../src/logger.js';
import { VirtualClock, demoApp } from './helpers/delivery.js';
import { sqliteOf } from './helpers/app.js';
import { FakeSlack, signedCommand } from './helpers/fake-slack.js';
import { StoryGrower } from './helpers/stories.js';

const SECRET = 'alerts-signing-secret';

describe('Slack: /digest alerts, quiet and filter as signed slash commands; alerts updated with chat.update', () => {
  const vc = new VirtualClock(Date.parse('2026-03-10T06:00:00Z'));
  let fake: FakeSlack;
  let env: Awaited<ReturnType<typeof demoApp>>;
  let slack: SlackAdapter;
  let grow: StoryGrower;
  let url = '';

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    env = await demoApp(vc);
    slack = new SlackAdapter({ botToken: 'xoxb-test', signingSecret: SECRET, apiUrl: fake.apiUrl, port: 0 }, env.app.delivery.subscriptions, env.app.delivery, silentLogger);
    env.app.delivery.register(slack);
    await slack.start();
    url = `http://127.0.0.1:${slack.port}/slack/events`;
    grow = new StoryGrower(env.app.db, vc.clock);
  });
  afterAll(async () => {
    await slack.stop();
    await env.cleanup();
    await fake.stop();
  });

  const command = async (channel: string, text: string) => {
    const res = await signedCommand(url, SECRET, { channel_id: channel, channel_name: `name-${channel}`, text, response_url: fake.responseUrl(channel) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { text: string }).text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  };
  const alertsIn = (channel: string) => fake.posted.filter((p) => p.channel === channel && p.blocks[0]?.text?.text.startsWith(':zap:'));

  it('configures alerts, quiet hours and filters, and shows them in settings', async () => {
    await command('C1', 'subscribe');
    expect(await command('C1', 'alerts 3 skip-digest')).toMatch(/^Alerts on: a story is posted here as soon as 3 different outlets report it.*left out of the digest\.$/);
    expect(await command('C1', 'alerts many')).toBe('Usage: alerts N [skip-digest] (1–50 outlets) or alerts off, e.g. alerts 3');
    expect(await command('C1', 'quiet 23:00-06:30 silent')).toBe('Quiet hours 23:00–06:30 (Europe/Kyiv): alerts come without a sound. Digests keep their schedule.');
    expect(await command('C1', 'filter add -football')).toBe('Filter added: -football — stories with “football” in the headline or summary are left out. 1 of 20 filters.');
    expect(await command('C1', 'filter list')).toBe('Filters (1 of 20):\n-football');
    const settings = await command('C1', 'settings');
    expect(settings).toContain('Alerts: when 3 outlets report a story; alerted stories left out of the digest');
    expect(settings).toContain('Quiet hours: 23:00–06:30 (Europe/Kyiv), alerts come silently');
    expect(settings).toContain('Filters: -football');
    expect(settings).toMatch(/^Topics: .*\nSchedule: daily 08:00 \(Europe\/Kyiv\)/);
    expect(await command('CNONE', 'alerts 3')).toMatch(/^This chat has no subscription yet/);
  });

  it('posts an alert at the third outlet, updates it in place, and drops an update of a deleted message', async () => {
    await command('C2', 'subscribe');
    await command('C2', 'alerts 3');
    const story = await grow.create('Sweden to fund Patriot missiles for Ukraine', 'Stockholm pledged funding.', 'SVT');
    await grow.report(story, 'Reuters');
    await grow.report(story, 'AP');
    await env.app.delivery.tick();
    const [alert] = alertsIn('C2');
    expect(alertsIn('C2')).toHaveLength(1);
    expect(alert!.blocks[0]!.text!.text).toContain('_(3 sources)_');
    expect(alert!.text).toBe('Sweden to fund Patriot missiles for Ukraine (3 sources)');

    await grow.report(story, 'DW');
    vc.now += EDIT_INTERVAL_MS;
    await env.app.delivery.tick();
    expect(fake.updates.filter((u) => u.channel === 'C2')).toEqual([{ channel: 'C2', ts: alert!.ts, text: 'Sweden to fund Patriot missiles for Ukraine (4 sources)' }]);
    expect(alertsIn('C2')).toHaveLength(1);

    fake.deleteMessage('C2', alert!.ts);
    await grow.report(story, 'BBC');
    vc.now += EDIT_INTERVAL_MS;
    await env.app.delivery.tick();
    const editsOfC2 = "SELECT d.status, d.last_error FROM digests d JOIN subscriptions s ON s.id = d.subscription_id WHERE d.kind = 'edit' AND s.chat_id = 'C2' ORDER BY d.id";
    const edits = sqliteOf(env.app).prepare(editsOfC2).all();
    expect(edits).toEqual([
      { status: 'sent', last_error: null },
      { status: 'failed', last_error: 'edit dropped: message_not_found' },
    ]);
    await grow.report(story, 'NYT');
    vc.now += EDIT_INTERVAL_MS;
    await env.app.delivery.tick();
    expect(sqliteOf(env.app).prepare(editsOfC2).all()).toHaveLength(2);
    expect(fake.posted.filter((p) => p.channel === 'C2' && p.text.includes('Sweden'))).toHaveLength(0); // deleted, never re-posted
  });
});
