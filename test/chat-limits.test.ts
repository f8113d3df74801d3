import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../src/adapters/console/render.js';
import { SlackAdapter } from '../src/adapters/slack/app.js';
import { SLACK_MAX_MESSAGE_CHARS, renderSlack, type SlackMessage } from '../src/adapters/slack/render.js';
import { TelegramAdapter } from '../src/adapters/telegram/bot.js';
import { renderTelegram } from '../src/adapters/telegram/render.js';
import { clip } from '../src/digest/format.js';
import type { Digest, DigestStory } from '../src/digest/model.js';
import { silentLogger } from '../src/logger.js';
import { VirtualClock, demoApp } from './helpers/delivery.js';
import { FakeSlack, signedCommand } from './helpers/fake-slack.js';
import { FakeTelegram, commandUpdate, telegramHtmlError } from './helpers/fake-telegram.js';

const SECRET = 'limits-signing-secret';
/** Characters that must never reach a chat: bidi embeddings, overrides, isolates, marks, zero-width, C0/C1 controls. */
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/;
const HOSTILE = ['&', '<', '>', '"', "'", '|', '*', '_', '`', ' ', ' ', 'a', 'é', 'Ж', '😀', '\u202E', '\u2067', '\u200B', '\u200D', '\uFEFF', '\u0007', '\n', '\t', '<!channel>', '</b>', '&amp;', '\uD83D'];

/** A deterministic generator (mulberry32), so a failure is reproducible. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hostile pieces up to about `length` characters; long texts repeat a random 1 KB stretch (cheap to make). */
function hostileText(rnd: () => number, length: number): string {
  const parts: string[] = [];
  let n = 0;
  while (n < Math.min(length, 1024)) {
    const piece = HOSTILE[Math.floor(rnd() * HOSTILE.length)]!;
    parts.push(piece);
    n += piece.length;
  }
  const unit = parts.join('');
  return length > 1024 ? unit.repeat(Math.ceil(length / unit.length)) : unit;
}

function story(id: number, fields: Partial<DigestStory> = {}): DigestStory {
  return {
    id,
    topic: 'patriot-ukraine',
    headline: `Story ${id}: Germany pledges another Patriot system`,
    summary: 'Germany will deliver another Patriot system to Ukraine before winter, the defence minister said on Tuesday.',
    sources: [
      { name: 'Outlet A', url: `https://a.example/${id}` },
      { name: 'Outlet B', url: `https://b.example/${id}` },
    ],
    sourceCount: 2,
    newSources: 0,
    isUpdate: false,
    firstPublished: 0,
    lastPublished: 0,
    ...fields,
  };
}

function digest(stories: DigestStory[], title = 'Patriot transfers and Ukraine air defense — 10 Mar 2026'): Digest {
  return { subscriptionId: 1, title, topics: [{ id: 'patriot-ukraine', name: 'Patriot' }], timezone: 'UTC', windowStart: 0, windowEnd: 0, generatedAt: 0, stories, omitted: 0 };
}

/** Slack's rules, as the fake enforces them plus the fallback. */
function expectSlackValid(messages: SlackMessage[]): void {
  for (const m of messages) {
    expect(m.text.length).toBeGreaterThan(0);
    expect(m.text.length).toBeLessThanOrEqual(3000);
    expect(m.text).not.toMatch(/<(?!https?:)/); // nothing Slack would parse as a mention or command
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    let chars = 0;
    for (const b of m.blocks as { type: string; text?: { text: string } }[]) {
      chars += b.text?.text.length ?? 0;
      if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
      if (b.type === 'header') expect(b.text!.text.length).toBeLessThanOrEqual(150);
    }
    expect(chars).toBeLessThanOrEqual(SLACK_MAX_MESSAGE_CHARS);
  }
}

function expectTelegramValid(messages: string[]): void {
  for (const m of messages) {
    expect(m.length).toBeLessThanOrEqual(4096);
    expect(telegramHtmlError(m)).toBeNull();
  }
}

/** Seven stories, the third with a 100 KB title, a 1 MB description, a 5 KB outlet name and URL (issue 9: all 7 were lost). */
function hugeDigest(): Digest {
  const stories = Array.from({ length: 7 }, (_, i) => story(i + 1));
  stories[2] = story(3, {
    headline: `Huge ${'headline & <b>words</b> '.repeat(4000)}`.slice(0, 100_000),
    summary: 'A sentence of the description that goes on. '.repeat(23_000).slice(0, 1_000_000),
    sources: [{ name: `Outlet ${'n'.repeat(5000)}`, url: `https://long.example/${'p'.repeat(5000)}` }, ...stories[2]!.sources],
  });
  return digest(stories, `Digest ${'T'.repeat(100_000)}`);
}

describe('rendering fits every platform limit whatever the feed sent', () => {
  it('cuts a 100 KB title and a 1 MB description: every story kept, the long one cut with an ellipsis', () => {
    const d = hugeDigest();
    const telegram = renderTelegram(d);
    expectTelegramValid(telegram);
    const slack = renderSlack(d);
    expectSlackValid(slack);
    for (const out of [telegram.join('\n'), JSON.stringify(slack)]) {
      for (let i = 1; i <= 7; i++) expect(out).toMatch(new RegExp(`\\b${i}\\. (Huge|Story ${i})`));
      expect(out).toContain('Huge headline &amp; &lt;b&gt;words&lt;/b&gt;');
      expect(out).toMatch(/A sentence of the description that goes on\.[^\n"]*…/);
      expect(out).not.toContain('p'.repeat(1100)); // a URL too long to link is not linked (and never cut)
    }
    expect(renderText(d).length).toBeLessThan(20_000);
  });

  it('holds on 100 random digests of hostile text (markup, entities, emoji, halves of emoji, controls, 0–50 KB fields)', () => {
    const rnd = random(9);
    const sizes = [0, 1, 7, 80, 400, 3000, 50_000];
    const size = () => sizes[Math.floor(rnd() * sizes.length)]!;
    for (let n = 0; n < 100; n++) {
      const stories = Array.from({ length: Math.floor(rnd() * 25) }, (_, i) =>
        story(i + 1, {
          headline: hostileText(rnd, size()),
          summary: hostileText(rnd, size()),
          ...(rnd() < 0.3 ? { isUpdate: true, update: hostileText(rnd, size()), newSources: 2 } : {}),
          sources: Array.from({ length: Math.floor(rnd() * 10) }, () => ({ name: hostileText(rnd, size()), url: `https://x.example/${encodeURIComponent(hostileText(rnd, size()).replace(/[\uD800-\uDFFF]/g, ''))}` })),
        }),
      );
      const d = digest(stories, hostileText(rnd, size()));
      const telegram = renderTelegram(d);
      expectTelegramValid(telegram);
      const slack = renderSlack(d);
      expectSlackValid(slack);
      for (const text of [...telegram, JSON.stringify(slack), renderText(d)]) {
        expect(text).not.toMatch(INVISIBLE);
        expect(text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      }
      // Every story is there, numbered in order.
      const numbers = [...telegram.join('\n').matchAll(/<b>(\d+)\. /g)].map((m) => Number(m[1]));
      expect(numbers).toEqual(stories.map((_, i) => i + 1));
    }
  });

  it('splits a Slack digest by block text too (Slack refuses ~13,200 characters in one message)', () => {
    const long = Array.from({ length: 20 }, (_, i) => story(i + 1, { summary: 'Germany will deliver more interceptors to Ukraine before winter. '.repeat(22) }));
    const messages = renderSlack(digest(long));
    expect(messages.length).toBeGreaterThan(1);
    expectSlackValid(messages);
    expect(messages.flatMap((m) => m.blocks).filter((b) => b.type === 'section')).toHaveLength(20);
    expect(messages[0]!.blocks[0]).toMatchObject({ type: 'header' });
    expect(messages.at(-1)!.blocks.at(-1)).toMatchObject({ type: 'context' });
  });

  it('clip() counts escaped sizes and never splits a character', () => {
    const cost = (ch: string) => (ch === '&' ? 5 : ch.length);
    expect(clip('&&&&&&', 12, cost)).toBe('&&…');
    expect(clip('😀😀😀', 5)).toBe('😀😀…');
    expect(clip('short', 5)).toBe('short');
    expect(clip('one two three four five', 16)).toBe('one two three…');
  });
});

describe('escaping and invisible characters', () => {
  const evil = story(1, {
    headline: '<!channel> Patriot \u202Eevil\u202C news & <@U123> \u200Bzero\uFEFF\u2066width\u2069',
    summary: 'Left\u200Eto\u200Fright \u0007bell <https://phish.example|click>',
    sources: [{ name: 'Outlet \u202E<b>', url: 'https://a.example/1' }],
  });

  it('Slack: every text, the notification fallback included, escapes & < > and drops the controls', () => {
    const [msg] = renderSlack(digest([evil]));
    expect(msg!.text).toBe('Patriot transfers and Ukraine air defense — 10 Mar 2026\n1. &lt;!channel&gt; Patriot evil news &amp; &lt;@U123&gt; zerowidth');
    const section = (msg!.blocks[1] as { text: { text: string } }).text.text;
    expect(section).toContain('*1. &lt;!channel&gt; Patriot evil news &amp; &lt;@U123&gt; zerowidth*');
    expect(section).toContain('Lefttoright bell &lt;https://phish.example|click&gt;');
    expect(section).toContain('<https://a.example/1|Outlet &lt;b&gt;>');
    expect(JSON.stringify(msg)).not.toMatch(INVISIBLE);
  });

  it('Telegram and the console drop the controls too', () => {
    const [msg] = renderTelegram(digest([evil]));
    expect(msg).toContain('<b>1. &lt;!channel&gt; Patriot evil news &amp; &lt;@U123&gt; zerowidth</b>');
    expect(msg).not.toMatch(INVISIBLE);
    expect(renderText(digest([evil]))).not.toMatch(INVISIBLE);
  });
});

describe('commands: long arguments, hostile arguments, too-frequent schedules', () => {
  const vc = new VirtualClock(Date.parse('2026-03-10T06:00:00Z'));
  let env: Awaited<ReturnType<typeof demoApp>>;
  let tgFake: FakeTelegram;
  let slackFake: FakeSlack;
  let tg: TelegramAdapter;
  let slack: SlackAdapter;

  beforeAll(async () => {
    env = await demoApp(vc);
    tgFake = await new FakeTelegram(vc.clock).start();
    slackFake = await new FakeSlack().start();
    tg = new TelegramAdapter({ token: '123:TEST', apiRoot: tgFake.apiRoot }, env.app.delivery.subscriptions, env.app.delivery, silentLogger);
    slack = new SlackAdapter({ botToken: 'xoxb-test', signingSecret: SECRET, apiUrl: slackFake.apiUrl, port: 0 }, env.app.delivery.subscriptions, env.app.delivery, silentLogger);
    env.app.delivery.register(tg);
    env.app.delivery.register(slack);
    await tg.bot.init();
    await slack.start();
    await tg.bot.handleUpdate(commandUpdate('/start', { id: 100, type: 'private' }) as never);
    await slackCommand('subscribe');
  });
  afterAll(async () => {
    await slack.stop();
    await tg.stop();
    await env.cleanup();
    await tgFake.stop();
    await slackFake.stop();
  });

  /** The reply's HTML as sent. */
  const telegramRaw = async (text: string) => {
    await tg.bot.handleUpdate(commandUpdate(text, { id: 100, type: 'private' }) as never);
    return tgFake.messagesTo(100).at(-1)!.text;
  };
  /** The reply as the user reads it: tags dropped, entities decoded. */
  const telegram = async (text: string) =>
    (await telegramRaw(text)).replace(/<[^>]+>/g, '').replace(/&(lt|gt|quot|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', amp: '&' })[e]!);
  async function slackCommand(text: string): Promise<string> {
    const res = await signedCommand(`http://127.0.0.1:${slack.port}/slack/events`, SECRET, { channel_id: 'C1', channel_name: 'news', text });
    expect(res.status).toBe(200);
    return ((await res.json()) as { text: string }).text;
  }

  it('delivers that 7-story digest through both APIs, every part accepted', async () => {
    const d = hugeDigest();
    const before = tgFake.messagesTo(100).length;
    for (const part of tg.render(d)) await tg.send('100', part);
    const sent = tgFake.messagesTo(100).slice(before).map((m) => m.text).join('\n');
    for (let i = 1; i <= 7; i++) expect(sent).toMatch(new RegExp(`<b>${i}\\. `));
    for (const message of slack.render(d)) await slack.send('C1', message);
    const posted = slackFake.posted.filter((p) => p.channel === 'C1');
    expect(posted.flatMap((p) => p.blocks).filter((b) => b.type === 'section')).toHaveLength(7);
  });

  it('refuses an argument over 200 characters with a short reply instead of no reply', async () => {
    expect(await telegram(`/timezone ${'A'.repeat(4000)}`)).toBe('Argument too long (4000 characters, max 200).');
    expect(await telegram(`/subscribe ${'&'.repeat(3000)}`)).toBe('Argument too long (3000 characters, max 200).');
    expect(await slackCommand(`schedule ${'x'.repeat(3000)}`)).toBe('Argument too long (3000 characters, max 200).');
    expect(await slackCommand(`${'y'.repeat(3000)}`)).toMatch(/^Unknown subcommand "y{38,39}…"\. Usage:/);
  });

  it('escapes what users typed in replies and drops invisible characters', async () => {
    expect(await telegramRaw('/subscribe \u202Egnp<b>')).toBe('Unknown topic &quot;gnp&lt;b&gt;&quot;. Topics: patriot-ukraine. Example: subscribe patriot-ukraine');
    expect(await slackCommand('subscribe <!channel>\u200B')).toBe('Unknown topic "&lt;!channel&gt;". Topics: patriot-ukraine. Example: subscribe patriot-ukraine');
    expect(await slackCommand('unsubscribe <!here>')).toMatch(/^Unknown topic "&lt;!here&gt;"/);
  });

  it('refuses schedules that would send digests less than 15 minutes apart, with the reason', async () => {
    expect(await telegram('/schedule * * * * *')).toBe('"* * * * *" would send digests 1 minute apart; leave at least 15 minutes between digests. Example: schedule daily 08:00');
    expect(await slackCommand('schedule */5 8-18 * * 1-5')).toMatch(/^"\*\/5 8-18 \* \* 1-5" would send digests 5 minutes apart; leave at least 15 minutes/);
    for (const text of ['0,10 8 * * *', '5,55 0,23 * * *', 'twice 08:00 08:10', 'twice 23:55 00:05']) {
      expect(await telegram(`/schedule ${text}`), text).toMatch(/would send digests \d+ minutes apart/);
    }
    expect((await env.app.delivery.subscriptions.get('telegram', '100'))!.schedule).toBe('daily 08:00');
    for (const text of ['*/15 * * * *', '0,30 * * * *', 'every 15m', 'every 1h', 'twice 08:00 08:15', '30 7 * * 1-5']) {
      expect(await telegram(`/schedule ${text}`), text).toMatch(/^Schedule set\./);
    }
  });
});
