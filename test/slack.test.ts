import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackAdapter } from '../src/adapters/slack/app.js';
import { renderSlack } from '../src/adapters/slack/render.js';
import { silentLogger } from '../src/logger.js';
import type { Digest } from '../src/digest/model.js';
import { FakeSlack, signedCommand } from './helpers/fake-slack.js';
import { VirtualClock, demoApp } from './helpers/delivery.js';
import { sqliteOf } from './helpers/app.js';

const SECRET = 'test-signing-secret';

describe('Slack adapter: signed slash commands and Block Kit digests', () => {
  const vc = new VirtualClock(Date.parse('2026-03-10T06:00:00Z'));
  let fake: FakeSlack;
  let env: Awaited<ReturnType<typeof demoApp>>;
  let slack: SlackAdapter;
  let url = '';

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    env = await demoApp(vc);
    slack = new SlackAdapter({ botToken: 'xoxb-test', signingSecret: SECRET, apiUrl: fake.apiUrl, port: 0 }, env.app.delivery.subscriptions, env.app.delivery, silentLogger);
    env.app.delivery.register(slack);
    await slack.start();
    url = `http://127.0.0.1:${slack.port}/slack/events`;
  });
  afterAll(async () => {
    await slack.stop();
    await env.cleanup();
    await fake.stop();
  });

  const command = async (channel: string, text: string) => {
    const res = await signedCommand(url, SECRET, { channel_id: channel, channel_name: `name-${channel}`, text, response_url: fake.responseUrl(channel) });
    expect(res.status).toBe(200);
    return (await res.json()) as { response_type: string; text: string };
  };
  /** `/digest now`: acknowledged at once, then the outcome replaces the reply through the response URL. */
  const now = async (channel: string) => {
    expect((await command(channel, 'now')).text).toBe('Preparing the digest for this channel…');
    await slack.idle();
    const outcome = fake.responses.filter((r) => r.id === channel).at(-1)!.body;
    expect(outcome).toMatchObject({ response_type: 'ephemeral', replace_original: true });
    return outcome.text as string;
  };

  it('rejects a bad signature and a stale timestamp with 401, changing nothing', async () => {
    const bad = await signedCommand(url, SECRET, { channel_id: 'CBAD', text: 'subscribe' }, { badSignature: true });
    expect(bad.status).toBe(401);
    const stale = await signedCommand(url, SECRET, { channel_id: 'CBAD', text: 'subscribe' }, { timestamp: Math.floor(Date.now() / 1000) - 60 * 60 });
    expect(stale.status).toBe(401);
    expect(await env.app.delivery.subscriptions.get('slack', 'CBAD')).toBeUndefined();
  });

  it('refuses correctly signed requests timestamped more than 5 minutes away, in the future too', async () => {
    const at = (offsetSeconds: number) => signedCommand(url, SECRET, { channel_id: 'CTIME', text: 'subscribe' }, { timestamp: Math.floor(Date.now() / 1000) + offsetSeconds });
    for (const offset of [600, 24 * 60 * 60, 310, -600]) expect((await at(offset)).status, `${offset} s`).toBe(401);
    expect(await env.app.delivery.subscriptions.get('slack', 'CTIME')).toBeUndefined();
    // Within the window either way: accepted.
    expect((await at(120)).status).toBe(200);
    expect((await at(-120)).status).toBe(200);
    expect(await env.app.delivery.subscriptions.get('slack', 'CTIME')).toMatchObject({ active: true });
  });

  it('subscribes the channel and replies ephemerally', async () => {
    const reply = await command('C1', 'subscribe');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toMatch(/^Subscribed this channel to \*patriot-ukraine\*/);
    expect(await env.app.delivery.subscriptions.get('slack', 'C1')).toMatchObject({ active: true, chatTitle: 'name-C1' });
    expect((await command('C1', 'schedule weekdays 09:00')).text).toMatch(/^Schedule set\.\nTopics: .*\nSchedule: weekdays 09:00 \(Europe\/Kyiv\)/);
    expect((await command('C1', 'frobnicate')).text).toBe('Unknown subcommand "frobnicate". Usage: /digest subscribe|unsubscribe|now|schedule|timezone|alerts|quiet|filter|settings|topics|help, e.g. /digest subscribe');
    expect((await command('C1', 'timezone Nowhere')).text).toMatch(/is not a time zone/);
  });

  it('posts the digest as Block Kit with a text fallback on "now"', async () => {
    expect(await now('C1')).toBe('Posted the digest: 2 stories.');
    const [msg] = fake.posted.filter((p) => p.channel === 'C1');
    expect(msg!.text).toMatch(/^Patriot transfers and Ukraine air defense — /);
    expect(msg!.blocks[0]).toMatchObject({ type: 'header' });
    const sections = msg!.blocks.filter((b) => b.type === 'section').map((b) => b.text!.text);
    expect(sections[0]).toMatch(/^\*1\. Japan to transfer Patriot missiles to US\* _\(3 sources\)_\n/);
    expect(sections[0]).toContain('<https://kyivindependent.com/japan-to-transfer-patriot-missiles-to-us|The Kyiv Independent>');
    expect(msg!.blocks.at(-1)).toMatchObject({ type: 'context' });
  });

  it('tells the user to /invite the bot when it is not in the channel, and stops the subscription', async () => {
    fake.notInChannel.add('C2');
    await command('C2', 'subscribe');
    expect(await now('C2')).toBe('I am not in this channel, so I cannot post the digest. Invite me with `/invite @news-digest`, then `/digest subscribe` again.');
    expect(await env.app.delivery.subscriptions.get('slack', 'C2')).toMatchObject({ active: false, stopReason: 'not_in_channel' });
  });

  it('waits when Slack answers ratelimited, then posts', async () => {
    await command('C3', 'subscribe');
    fake.rateLimitNext = 1;
    expect(await now('C3')).toBe('The digest (2 stories) is queued and will be posted shortly.');
    const row = sqliteOf(env.app).prepare("SELECT d.status, d.next_attempt_at FROM digests d JOIN subscriptions s ON s.id = d.subscription_id WHERE s.chat_id = 'C3'").get() as { status: string; next_attempt_at: number };
    expect(row).toEqual({ status: 'pending', next_attempt_at: vc.now + 20_000 });
    vc.now += 20_000;
    await env.app.delivery.sender.runOnce();
    expect(fake.posted.filter((p) => p.channel === 'C3')).toHaveLength(1);
  });
});

describe('Slack rendering', () => {
  it('splits 60 stories into messages of at most 50 blocks and 3,000 characters per section', () => {
    const stories = Array.from({ length: 60 }, (_, i) => ({
      id: i + 1,
      topic: 't',
      headline: `Story ${i + 1} <b>&"</b>`,
      summary: 'Germany will deliver more interceptors to Ukraine before winter, the minister said. '.repeat(5).trim(),
      sources: Array.from({ length: 40 }, (_, j) => ({ name: `Outlet ${j} | x`, url: `https://o${j}.example/${'long-path/'.repeat(8)}${i}` })),
      sourceCount: 40,
      newSources: 0,
      isUpdate: false,
      firstPublished: 0,
      lastPublished: 0,
    }));
    const digest: Digest = { subscriptionId: 1, title: 'T'.repeat(200), topics: [], timezone: 'UTC', windowStart: 0, windowEnd: 0, generatedAt: 0, stories, omitted: 0 };
    const messages = renderSlack(digest);
    expect(messages.length).toBeGreaterThan(1);
    let seen = 0;
    for (const m of messages) {
      expect(m.text.length).toBeGreaterThan(0);
      expect(m.blocks.length).toBeLessThanOrEqual(50);
      for (const b of m.blocks as { type: string; text?: { text: string } }[]) {
        if (b.type === 'section') {
          seen++;
          expect(b.text!.text.length).toBeLessThanOrEqual(3000);
        }
        if (b.type === 'header') expect(b.text!.text.length).toBeLessThanOrEqual(150);
      }
    }
    expect(seen).toBe(60);
    const first = (messages[0]!.blocks[1] as { text: { text: string } }).text.text;
    expect(first).toMatch(/^\*1\. Story 1 &lt;b&gt;&amp;"&lt;\/b&gt;\*/);
  });
});
