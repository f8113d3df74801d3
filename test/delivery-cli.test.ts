import { describe, expect, it, vi } from 'vitest';
import { readChatEnv } from '../src/config/env.js';
import { runCli } from '../src/cli.js';
import { ConsoleAdapter } from '../src/adapters/console/adapter.js';
import { VirtualClock, demoApp } from './helpers/delivery.js';

describe('chat environment', () => {
  it('accepts each platform with its partner variables', () => {
    expect(readChatEnv({})).toEqual({});
    expect(readChatEnv({ TELEGRAM_BOT_TOKEN: '1:A', TELEGRAM_API_ROOT: 'http://127.0.0.1:8081/' }).telegram).toEqual({ token: '1:A', apiRoot: 'http://127.0.0.1:8081', webhookUrl: undefined, webhookSecret: undefined });
    expect(readChatEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).slack).toMatchObject({ port: 3000, signingSecret: 's' });
    expect(readChatEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_API_URL: 'http://127.0.0.1:9/api' }).slack).toMatchObject({ appToken: 'xapp-1', apiUrl: 'http://127.0.0.1:9/api/' });
  });

  it('refuses a token without its partner, saying which', () => {
    expect(() => readChatEnv({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow('SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode): set one of them');
    expect(() => readChatEnv({ SLACK_SIGNING_SECRET: 's' })).toThrow(/SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not/);
    expect(() => readChatEnv({ TELEGRAM_BOT_TOKEN: '1:A', TELEGRAM_WEBHOOK_URL: 'https://x.example/hook' })).toThrow(/without TELEGRAM_WEBHOOK_SECRET/);
    expect(() => readChatEnv({ TELEGRAM_WEBHOOK_SECRET: 'x' })).toThrow(/TELEGRAM_BOT_TOKEN is not/);
  });

  it('makes `run` exit with code 2 before starting anything', async () => {
    const saved = process.env.SLACK_BOT_TOKEN;
    process.env.SLACK_BOT_TOKEN = 'xoxb-1';
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runCli(['run', '--config', 'config/demo.yaml', '--db', ':memory:'])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)![0])).toMatch(/^error: SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET/);
    } finally {
      stderr.mockRestore();
      if (saved === undefined) delete process.env.SLACK_BOT_TOKEN;
      else process.env.SLACK_BOT_TOKEN = saved;
    }
  });
});

describe('preview, subscriptions and the console adapter', () => {
  it('previews the digest for a topic or a chat in each format, and lists subscriptions', async () => {
    const vc = new VirtualClock(Date.parse('2026-03-10T06:00:00Z'));
    const env = await demoApp(vc);
    const db = env.app.db.name;
    await env.app.delivery.subscriptions.subscribe('telegram', '555', undefined, 'Reader');
    await env.app.delivery.subscriptions.subscribe('telegram', '556', undefined, 'Alerted');
    await env.app.delivery.subscriptions.setAlerts('telegram', '556', '3');
    await env.app.delivery.subscriptions.setQuiet('telegram', '556', '22:00-07:00 silent');
    await env.app.close();
    const run = async (...args: string[]) => {
      const lines: string[] = [];
      const code = await runCli([...args, '--config', 'config/demo.yaml', '--db', db], (l) => lines.push(l));
      return { code, out: lines.join('\n') };
    };
    const text = await run('preview');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^Patriot transfers and Ukraine air defense — .*\n2 stories\n\n1\. Japan to transfer Patriot missiles to US \[3 sources\]/);
    expect((await run('preview', '--chat', 'telegram:555', '--format', 'telegram')).out).toContain('<b>1. Japan to transfer Patriot missiles to US</b>');
    const slack = JSON.parse((await run('preview', '--topic', 'patriot-ukraine', '--format', 'slack')).out);
    expect(slack[0].blocks[0].type).toBe('header');
    expect((await run('preview', '--chat', 'telegram:999')).code).toBe(2);
    expect((await run('preview', '--chat', 'fax:1')).code).toBe(2);
    expect((await run('preview', '--format', 'pdf')).code).toBe(2);
    const list = await run('subscriptions', 'list');
    expect(list.out).toMatch(/telegram:555 \(Reader\)\s+\[patriot-ukraine\]\s+daily 08:00 Europe\/Kyiv, max 10\s+next 20\d\d-\d\d-\d\d 08:00 Europe\/Kyiv/);
    expect(list.out).toMatch(/telegram:556 \(Alerted\)\s+\[patriot-ukraine\]\s+daily 08:00 Europe\/Kyiv, max 10, alerts at 3 outlets, quiet 22:00-07:00 silent\s+next /);
    await env.cleanup();
  });

  it('prints digests to the console when no chat token is set', async () => {
    const vc = new VirtualClock(Date.parse('2026-03-10T06:00:00Z'));
    const env = await demoApp(vc);
    const printed: string[] = [];
    env.app.delivery.register(new ConsoleAdapter((t) => printed.push(t)));
    const sub = (await env.app.delivery.subscriptions.subscribe('console', 'stdout')).subscription;
    await env.app.delivery.digestNow(sub.id);
    expect(printed.join('')).toMatch(/1\. Japan to transfer Patriot missiles to US \[3 sources\]\n {3}.+\n {3}- The Kyiv Independent: https:\/\/kyivindependent\.com\/japan-to-transfer-patriot-missiles-to-us/);
    await env.cleanup();
  });
});
