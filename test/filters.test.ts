import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../src/adapters/telegram/bot.js';
import { runCli } from '../src/cli.js';
import { StoryFilter } from '../src/digest/filters.js';
import { silentLogger } from '../src/logger.js';
import { ROOT } from './helpers/app.js';
import { VirtualClock, demoApp } from './helpers/delivery.js';
import { FakeTelegram, commandUpdate } from './helpers/fake-telegram.js';
import { StoryGrower } from './helpers/stories.js';

const story = (title: string, summary = '') => ({ title, summary });

describe('StoryFilter: word boundaries, case and diacritics, any script', () => {
  it('excludes a story whose headline or summary has an excluded word or phrase', () => {
    const f = new StoryFilter([{ kind: 'exclude', term: 'football' }, { kind: 'exclude', term: 'Patriot Act' }]);
    expect(f.passes(story('Patriot battery arrives in Poland'))).toBe(true);
    expect(f.passes(story('FOOTBALL: Patriots win'))).toBe(false);
    expect(f.passes(story('Senate debates', 'the patriot  act renewal'))).toBe(false); // spacing and case
    expect(f.passes(story('Footballer joins army'))).toBe(true); // a whole word only
  });

  it('keeps only stories with an included word when there is one, on word boundaries', () => {
    const f = new StoryFilter([{ kind: 'include', term: 'patriot' }, { kind: 'include', term: 'IRIS-T' }]);
    expect(f.passes(story('Germany sends IRIS T systems'))).toBe(true); // hyphen or space
    expect(f.passes(story('A compatriot speaks'))).toBe(false);
    expect(f.passes(story('Patriotic songs'))).toBe(false);
    expect(f.passes(story('Air defence', 'More PATRIOT missiles.'))).toBe(true);
  });

  it('matches Cyrillic and ignores diacritics and case on both sides', () => {
    const f = new StoryFilter([{ kind: 'include', term: 'Київ' }, { kind: 'include', term: 'ёлка' }, { kind: 'exclude', term: 'Росія' }, { kind: 'exclude', term: 'tomas' }]);
    expect(f.passes(story('КИЇВ отримав ще одну батарею Patriot'))).toBe(true);
    expect(f.passes(story('Київщина', 'ППО працювала'))).toBe(false); // another word
    expect(f.passes(story('Новогодняя елка в Киеве'))).toBe(true); // ё = е
    expect(f.passes(story('Київ: Росія запустила ракети'))).toBe(false); // excluded wins
    expect(f.passes(story('Kyiv and Київ', 'Interview with Tomás'))).toBe(false); // á = a
    const prefix = new StoryFilter([{ kind: 'include', term: 'україн*' }]);
    expect(prefix.passes(story('Українська ППО збила ракети'))).toBe(true);
  });
});

describe('/filter commands, and filters in alerts, digests and preview (local Bot API)', () => {
  let vc: VirtualClock;
  let fake: FakeTelegram;
  let env: Awaited<ReturnType<typeof demoApp>>;
  let tg: TelegramAdapter;
  let grow: StoryGrower;

  beforeEach(async () => {
    vc = new VirtualClock(Date.parse('2026-03-10T06:00:00Z'));
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

  const send = (text: string, chat = 100) => tg.bot.handleUpdate(commandUpdate(text, { id: chat, type: 'private' }) as never);
  const reply = (chat = 100) => fake.messagesTo(chat).at(-1)!.text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

  it('adds, lists, removes and clears filters, with clear replies at the limits', async () => {
    await send('/start');
    await send('/filter list');
    expect(reply()).toBe('No filters: every story of your topics comes. Add one: filter add -word (leave out) or filter add +word (only these).');
    await send('/filter add -Росія');
    expect(reply()).toBe('Filter added: -Росія — stories with “Росія” in the headline or summary are left out. 1 of 20 filters.');
    await send('/filter add +Patriot');
    expect(reply()).toBe('Filter added: +Patriot — only stories with “Patriot” (or another + word) in the headline or summary come. 2 of 20 filters.');
    await send('/filter add +patriot');
    expect(reply()).toBe('You already have the filter +patriot.');
    await send('/filter add football');
    expect(reply()).toMatch(/^Start the word with - to leave out stories that have it, or \+ to get only stories that have it/);
    await send(`/filter add -${'x'.repeat(101)}`);
    expect(reply()).toBe('A filter may have at most 100 characters (this one has 101).');
    await send('/filter add -!!!');
    expect(reply()).toBe('A filter needs at least one letter or digit.');
    await send('/filter frobnicate');
    expect(reply()).toBe('Usage: filter add -word | filter add +word | filter remove -word | filter list | filter clear');
    await send('/filter list');
    expect(reply()).toBe('Filters (2 of 20):\n-Росія\n+Patriot');
    await send('/settings');
    expect(reply()).toContain('Filters: -Росія, +Patriot');
    await send('/filter remove -росія');
    expect(reply()).toBe('Filter removed: -Росія.');
    for (let i = 0; i < 19; i++) await send(`/filter add -word${i}`);
    expect(reply()).toBe('Filter added: -word18 — stories with “word18” in the headline or summary are left out. 20 of 20 filters.');
    await send('/filter add -one-too-many');
    expect(reply()).toBe('This chat has 20 filters, the most it may have: remove one (filter remove +Patriot) or clear them (filter clear).');
    await send('/filter clear');
    expect(reply()).toBe('Removed 20 filters: every story of your topics comes again.');
    await send('/filter clear');
    expect(reply()).toBe('There were no filters.');
  });

  it('in groups, members may list filters but only administrators change them', async () => {
    const group = { id: -700, type: 'supergroup' as const, title: 'Desk' };
    fake.admins.set('-700', new Set([1]));
    const inGroup = (text: string, from: number) => tg.bot.handleUpdate(commandUpdate(text, group, from) as never);
    await inGroup('/start', 1);
    await inGroup('/filter add -football', 2);
    expect(reply(-700)).toBe('Sorry, only the administrators of this group can change its digest settings.');
    await inGroup('/filter add -football', 1);
    await inGroup('/filter list', 2);
    expect(reply(-700)).toBe('Filters (1 of 20):\n-football');
    await inGroup('/alerts', 2);
    expect(reply(-700)).toMatch(/^Alerts: off\nUsage: alerts N/);
  });

  it('applies to alerts, digests and preview alike, Cyrillic included', async () => {
    await send('/start');
    await send('/alerts 2');
    await send('/filter add -Росія');
    const kept = await grow.create('Київ отримав нову батарею Patriot', 'Система вже на бойовому чергуванні.', 'Суспільне');
    await grow.report(kept, 'Укрінформ');
    const dropped = await grow.create('РОСІЯ атакувала Київ ракетами', 'Patriot збили більшість ракет.', 'Суспільне');
    await grow.report(dropped, 'Укрінформ');
    await env.app.delivery.tick();
    const alerts = fake.messagesTo(100).filter((m) => m.text.startsWith('⚡'));
    expect(alerts.map((m) => m.text.split('\n')[0])).toEqual(['⚡ <b>Київ отримав нову батарею Patriot</b>']);

    const preview = async () => {
      const lines: string[] = [];
      expect(await runCli(['preview', '--chat', 'telegram:100', '--config', path.join(ROOT, 'config/demo.yaml'), '--db', env.app.db.name], (l) => lines.push(l))).toBe(0);
      return lines.join('\n');
    };
    let out = await preview();
    expect(out).toContain('Київ отримав нову батарею Patriot');
    expect(out).not.toContain('РОСІЯ атакувала');

    await send('/filter add +батарею');
    out = await preview();
    expect(out).toContain('Київ отримав нову батарею Patriot');
    expect(out).not.toContain('Japan to transfer Patriot missiles'); // the demo story lacks the word

    await send('/digest');
    await tg.idle();
    const digest = fake.messagesTo(100).find((m) => m.text.startsWith('<b>Patriot'))!;
    expect(digest.text).toContain('Київ отримав нову батарею Patriot');
    expect(digest.text).not.toContain('РОСІЯ атакувала');
    expect(digest.text).not.toContain('Japan to transfer');
  });
});
