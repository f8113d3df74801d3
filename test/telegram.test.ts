import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../src/adapters/telegram/bot.js';
import { renderTelegram } from '../src/adapters/telegram/render.js';
import { silentLogger } from '../src/logger.js';
import type { App } from '../src/app.js';
import type { Digest } from '../src/digest/model.js';
import { FakeTelegram, commandUpdate, telegramHtmlError } from './helpers/fake-telegram.js';
import { VirtualClock, demoApp } from './helpers/delivery.js';
import { sqliteOf } from './helpers/app.js';

const T0 = Date.parse('2026-03-10T06:00:00Z');

describe('Telegram adapter against a local Bot API', () => {
  let vc: VirtualClock;
  let fake: FakeTelegram;
  let env: Awaited<ReturnType<typeof demoApp>>;
  let app: App;
  let tg: TelegramAdapter;

  beforeEach(async () => {
    vc = new VirtualClock(T0);
    fake = await new FakeTelegram(vc.clock).start();
    env = await demoApp(vc);
    app = env.app;
    tg = new TelegramAdapter({ token: '123:TEST', apiRoot: fake.apiRoot }, app.delivery.subscriptions, app.delivery, silentLogger);
    app.delivery.register(tg);
    await tg.bot.init();
  });
  afterEach(async () => {
    await tg.stop();
    await env.cleanup();
    await fake.stop();
  });

  const send = (text: string, chat: Parameters<typeof commandUpdate>[1] = { id: 100, type: 'private' }, from?: number) =>
    tg.bot.handleUpdate(commandUpdate(text, chat, from) as never);
  /** What the user sees: tags dropped, Telegram's entities decoded. */
  const lastReply = (chat = 100) =>
    fake.messagesTo(chat).at(-1)!.text.replace(/<[^>]+>/g, '').replace(/&(lt|gt|quot|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', amp: '&' })[e]!);

  it('subscribes on /start with the defaults and sends the digest on /digest', async () => {
    await send('/start');
    const sub = (await app.delivery.subscriptions.get('telegram', '100'))!;
    expect(sub).toMatchObject({ active: true, topics: ['patriot-ukraine'], schedule: 'daily 08:00', timezone: 'Europe/Kyiv' });
    expect(lastReply()).toMatch(/^Welcome!/);

    await send('/digest');
    // Answered at once; the digest is built and sent after, then the answer says how it went.
    expect(lastReply()).toBe('Preparing your digest…');
    const answer = fake.messagesTo(100).at(-1)!;
    await tg.idle();
    const msgs = fake.messagesTo(100);
    const digest = msgs.find((m) => m.text.includes('Japan to transfer Patriot missiles to US'))!;
    expect(digest.message_id).toBeGreaterThan(answer.message_id);
    expect(digest.parse_mode).toBe('HTML');
    expect(digest.link_preview_options).toEqual({ is_disabled: true });
    expect(digest.text).toMatch(/<b>1\. Japan to transfer Patriot missiles to US<\/b> <i>\(3 sources\)<\/i>/);
    expect(digest.text).toContain('<a href="https://kyivindependent.com/japan-to-transfer-patriot-missiles-to-us">The Kyiv Independent</a>');
    expect(answer.text).toBe('Here is your digest: 2 stories.');
    // /digest counts as the last digest: nothing new now.
    await send('/digest');
    await tg.idle();
    expect(lastReply()).toBe('Nothing new on your topics since the last digest.');
  });

  it('answers wrong arguments with one line giving the right form and an example', async () => {
    await send('/start');
    await send('/schedule sometimes');
    expect(lastReply()).toMatch(/^"sometimes" is not a schedule; use daily 08:00 \| twice 08:00 20:00 .*Example: schedule daily 08:00$/);
    expect(lastReply()).not.toContain('\n');
    await send('/timezone Mars/Olympus');
    expect(lastReply()).toBe('"Mars/Olympus" is not a time zone; use an IANA name such as Europe/Kyiv or America/New_York.');
    await send('/subscribe football');
    expect(lastReply()).toMatch(/^Unknown topic "football"\. Topics: patriot-ukraine\. Example: subscribe patriot-ukraine$/);
    await send('/schedule twice 07:30 19:00');
    expect((await app.delivery.subscriptions.get('telegram', '100'))!.schedule).toBe('twice 07:30 19:00');
    await send('/timezone America/New_York');
    expect((await app.delivery.subscriptions.get('telegram', '100'))!.timezone).toBe('America/New_York');
  });

  it('lets only administrators change settings in groups, politely', async () => {
    const group = { id: -500, type: 'supergroup' as const, title: 'Analysts' };
    fake.admins.set('-500', new Set([1]));
    await send('/start', group, 2);
    expect(lastReply(-500)).toBe('Sorry, only the administrators of this group can change its digest settings.');
    expect(await app.delivery.subscriptions.get('telegram', '-500')).toBeUndefined();
    await send('/start', group, 1);
    expect(await app.delivery.subscriptions.get('telegram', '-500')).toMatchObject({ active: true, chatTitle: 'Analysts' });
    await send('/settings', group, 2); // reading is fine for everyone
    expect(lastReply(-500)).toMatch(/^Topics: Patriot transfers and Ukraine air defense/);
    await send('/unsubscribe all', group, 2);
    expect((await app.delivery.subscriptions.get('telegram', '-500'))!.active).toBe(true);
  });

  it('works in channels', async () => {
    await send('/start', { id: -1009, type: 'channel', title: 'Air Defense Watch' });
    expect(await app.delivery.subscriptions.get('telegram', '-1009')).toMatchObject({ active: true, chatTitle: 'Air Defense Watch' });
  });

  it('stops the subscription when the user blocked the bot or the chat is gone', async () => {
    await send('/start', { id: 201, type: 'private' });
    await send('/start', { id: 202, type: 'private' });
    fake.blocked.add('201');
    fake.missing.add('202');
    const subs = app.delivery.subscriptions;
    await app.delivery.digestNow((await subs.get('telegram', '201'))!.id);
    await app.delivery.digestNow((await subs.get('telegram', '202'))!.id);
    expect(await subs.get('telegram', '201')).toMatchObject({ active: false, stopReason: 'blocked by the user' });
    expect(await subs.get('telegram', '202')).toMatchObject({ active: false, stopReason: 'chat not found' });
    const failed = sqliteOf(app).prepare("SELECT last_error FROM digests WHERE status = 'failed' ORDER BY id").pluck().all();
    expect(failed).toEqual(['Forbidden: bot was blocked by the user', 'Bad Request: chat not found']);
  });

  it('waits the retry_after a 429 gives, then sends', async () => {
    await send('/start');
    fake.rateLimitNext = 1;
    fake.retryAfter = 30;
    const sub = (await app.delivery.subscriptions.get('telegram', '100'))!;
    const before = fake.messagesTo(100).length;
    await app.delivery.digestNow(sub.id);
    const row = sqliteOf(app).prepare('SELECT status, attempts, next_attempt_at, last_error FROM digests').get() as Record<string, unknown>;
    expect(row).toMatchObject({ status: 'pending', attempts: 0, last_error: 'Too Many Requests: retry after 30' });
    expect(row.next_attempt_at).toBe(vc.now + 30_000);
    await app.delivery.sender.runOnce(); // too early: nothing happens
    expect(fake.messagesTo(100).length).toBe(before);
    vc.now += 30_000;
    await app.delivery.sender.runOnce();
    expect(sqliteOf(app).prepare('SELECT status FROM digests').pluck().get()).toBe('sent');
    expect(fake.messagesTo(100).length).toBe(before + 1);
  });

  it('backs off on server errors, keeping the error, and sends once the Bot API is back', async () => {
    await send('/start');
    fake.failNext = 5;
    const before = fake.messagesTo(100).length;
    await app.delivery.digestNow((await app.delivery.subscriptions.get('telegram', '100'))!.id);
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const row = sqliteOf(app).prepare('SELECT status, next_attempt_at, last_error FROM digests').get() as { status: string; next_attempt_at: number; last_error: string };
      if (row.status !== 'pending') break;
      expect(row.last_error).toBe('Internal Server Error');
      delays.push(row.next_attempt_at - vc.now);
      vc.now = row.next_attempt_at;
      await app.delivery.sender.runOnce();
    }
    expect(sqliteOf(app).prepare('SELECT status FROM digests').pluck().get()).toBe('sent');
    expect(delays).toHaveLength(5);
    delays.forEach((d, i) => {
      const base = 1000 * 2 ** i;
      expect(d).toBeGreaterThanOrEqual(base * 0.5);
      expect(d).toBeLessThanOrEqual(base * 1.5);
    });
    expect(fake.messagesTo(100).length).toBe(before + 1);
    expect((await app.delivery.subscriptions.get('telegram', '100'))!.active).toBe(true);
  });

  it('registers the command menu and the webhook, verifying the secret token', async () => {
    const hooked = new TelegramAdapter({ token: '123:TEST', apiRoot: fake.apiRoot, webhookUrl: 'https://bot.example/tg/hook', webhookSecret: 's3cret' }, app.delivery.subscriptions, app.delivery, silentLogger);
    await hooked.start();
    expect(fake.calls.find((c) => c.method === 'setMyCommands')!.body.commands).toHaveLength(12);
    expect(fake.calls.find((c) => c.method === 'setWebhook')!.body).toMatchObject({ url: 'https://bot.example/tg/hook', secret_token: 's3cret' });
    const { createServer } = await import('node:http');
    const route = hooked.webhookRoute()!;
    const server = createServer((req, res) => {
      if (!route(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const post = (secret: string) =>
      fetch(`http://127.0.0.1:${port}/tg/hook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: JSON.stringify(commandUpdate('/start', { id: 300, type: 'private' })) });
    expect((await post('wrong')).status).toBe(401);
    expect(await app.delivery.subscriptions.get('telegram', '300')).toBeUndefined();
    expect((await post('s3cret')).status).toBe(200);
    await hooked.idle(); // answered first, handled after
    expect(await app.delivery.subscriptions.get('telegram', '300')).toMatchObject({ active: true });
    server.closeAllConnections();
    server.close();
  });

  it('takes commands by long polling', async () => {
    const polling = new TelegramAdapter({ token: '123:TEST', apiRoot: fake.apiRoot }, app.delivery.subscriptions, app.delivery, silentLogger);
    await polling.start();
    fake.push(commandUpdate('/start', { id: 400, type: 'private' }));
    await expect.poll(async () => (await app.delivery.subscriptions.get('telegram', '400'))?.active, { timeout: 5000 }).toBe(true);
    fake.push(commandUpdate('/help', { id: 400, type: 'private' })); // wakes the poll so stop() returns
    await polling.stop();
  });
});

describe('Telegram rendering', () => {
  const story = (i: number, headline = `Story number ${i} about Patriot deliveries`) => ({
    id: i,
    topic: 'patriot-ukraine',
    headline,
    summary: `Summary ${i}: ${'Germany said it would deliver more interceptors to Ukraine before winter. '.repeat(4)}`.trim(),
    sources: [
      { name: 'Outlet A & Co', url: `https://a.example/${i}?x=1&y="2"` },
      { name: 'Outlet <B>', url: `https://b.example/${i}` },
    ],
    sourceCount: 2,
    newSources: 0,
    isUpdate: false,
    firstPublished: T0,
    lastPublished: T0,
  });
  const digest = (stories: ReturnType<typeof story>[]): Digest => ({ subscriptionId: 1, title: 'Patriot transfers & Ukraine air defense — 10 Mar 2026', topics: [], timezone: 'UTC', windowStart: 0, windowEnd: T0, generatedAt: T0, stories, omitted: 0 });

  it('escapes every user and feed string', () => {
    const [msg] = renderTelegram(digest([story(1, 'Title with <b>&"quotes"</b>')]));
    expect(telegramHtmlError(msg!)).toBeNull();
    expect(msg).toContain('<b>1. Title with &lt;b&gt;&amp;&quot;quotes&quot;&lt;/b&gt;</b>');
    expect(msg).toContain('<a href="https://a.example/1?x=1&amp;y=&quot;2&quot;">Outlet A &amp; Co</a>');
    expect(msg).toContain('Outlet &lt;B&gt;');
  });

  it('keeps a story with very long source links inside one message by cutting its source list', () => {
    const long = { ...story(1), sources: Array.from({ length: 8 }, (_, j) => ({ name: `Outlet ${j}`, url: `https://long.example/${'x'.repeat(900)}/${j}` })) };
    const msgs = renderTelegram(digest([long, story(2)]));
    for (const m of msgs) {
      expect(m.length).toBeLessThanOrEqual(4096);
      expect(telegramHtmlError(m)).toBeNull();
    }
    expect(msgs.join('\n')).toMatch(/Sources: (<a href="[^"]+">Outlet \d<\/a>(, )?)+ and \d more/);
    expect(msgs.join('\n')).toContain('<b>2. Story number 2 about Patriot deliveries</b>');
  });

  it('splits a 60-story digest into messages of at most 4096 characters, at story boundaries', () => {
    const msgs = renderTelegram(digest(Array.from({ length: 60 }, (_, i) => story(i + 1))));
    expect(msgs.length).toBeGreaterThan(1);
    for (const m of msgs) {
      expect(m.length).toBeLessThanOrEqual(4096);
      expect(telegramHtmlError(m)).toBeNull();
    }
    const all = msgs.join('\n');
    for (let i = 1; i <= 60; i++) expect(all).toContain(`<b>${i}. Story number ${i} about Patriot deliveries</b>`);
    // Each message after the first starts with a story, never in the middle of one.
    for (const m of msgs.slice(1)) expect(m).toMatch(/^<b>\d+\. Story number/);
  });
});
