import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackAdapter } from '../src/adapters/slack/app.js';
import { TelegramAdapter } from '../src/adapters/telegram/bot.js';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/logger.js';
import { ROOT, sqliteOf, tempDir } from './helpers/app.js';
import { VirtualClock } from './helpers/delivery.js';
import { FakeSlack, signedCommand } from './helpers/fake-slack.js';
import { FakeTelegram, commandUpdate } from './helpers/fake-telegram.js';

// Canaries: if any of these strings shows up in a log line or the database, a secret leaked.
const TG_TOKEN = '5555:AAcanaryTelegramToken_0123456789abcdefXYZ';
const TG_WEBHOOK_SECRET = 'canary_webhook_secret_0123456789';
const SLACK_TOKEN = 'xoxb-5555-6666-canarySlackBotTokenXYZ';
const SLACK_SECRET = 'canary-signing-secret-0123456789abcdef';
/** The distinctive parts, so a token cut or re-encoded still counts as a leak. */
const CANARIES = [TG_TOKEN, 'AAcanaryTelegramToken', 'canaryTelegram', TG_WEBHOOK_SECRET, SLACK_TOKEN, 'canarySlackBotToken', SLACK_SECRET, encodeURIComponent(TG_TOKEN)];

/** Every text value of every table, and the raw bytes of the database and its WAL. */
function databaseText(app: App, dbPath: string): string {
  const parts: string[] = [];
  const db = sqliteOf(app);
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  for (const table of tables) {
    const columns = (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);
    for (const column of columns) {
      parts.push(...(db.prepare(`SELECT "${column}" FROM "${table}" WHERE typeof("${column}") = 'text'`).pluck().all() as string[]));
    }
  }
  for (const file of [dbPath, `${dbPath}-wal`]) if (existsSync(file)) parts.push(readFileSync(file).toString('latin1'));
  return parts.join('\n');
}

describe('secrets never reach logs or the database (canary tokens, chat APIs failing)', () => {
  const vc = new VirtualClock(Date.parse('2026-03-10T06:00:00Z'));
  let lines = '';
  const capture = new Writable({
    write(chunk, _enc, cb) {
      lines += String(chunk);
      cb();
    },
  });
  const log = createLogger({ level: 'trace', destination: capture });
  const tmp = tempDir();
  const dbPath = path.join(tmp.dir, 'secrets.db');
  let app: App;
  let tgFake: FakeTelegram;
  let slackFake: FakeSlack;
  let tg: TelegramAdapter;
  let slack: SlackAdapter;
  let hookServer: http.Server;
  let hookUrl = '';

  beforeAll(async () => {
    app = await createApp(loadConfig(path.join(ROOT, 'config/demo.yaml'), {}), log, { dbPath, clock: vc.clock, sleep: vc.sleep });
    await app.pipeline.poll();
    tgFake = await new FakeTelegram(vc.clock).start();
    slackFake = await new FakeSlack().start();
    tg = new TelegramAdapter({ token: TG_TOKEN, apiRoot: tgFake.apiRoot, webhookUrl: 'https://bot.example/tg/hook', webhookSecret: TG_WEBHOOK_SECRET }, app.delivery.subscriptions, app.delivery, log.child({ platform: 'telegram' }));
    slack = new SlackAdapter({ botToken: SLACK_TOKEN, signingSecret: SLACK_SECRET, apiUrl: slackFake.apiUrl, port: 0 }, app.delivery.subscriptions, app.delivery, log.child({ platform: 'slack' }));
    app.delivery.register(tg);
    app.delivery.register(slack);
    await tg.start();
    await slack.start();
    const route = tg.webhookRoute()!;
    hookServer = http.createServer((req, res) => {
      if (!route(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/tg/hook`;
  });
  afterAll(async () => {
    hookServer.closeAllConnections();
    hookServer.close();
    await slack.stop();
    await tg.stop();
    await slackFake.stop().catch(() => undefined);
    await tgFake.stop().catch(() => undefined);
    await app.close();
    tmp.cleanup();
  });

  const hook = (text: string, chat: number) =>
    fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_WEBHOOK_SECRET }, body: JSON.stringify(commandUpdate(text, { id: chat, type: 'private' })) });
  const subscribeTelegram = async (chat: number) => {
    expect((await hook('/start', chat)).status).toBe(200);
    await tg.idle();
    return (await app.delivery.subscriptions.get('telegram', String(chat)))!.id;
  };
  const lastError = (id: number) => sqliteOf(app).prepare('SELECT last_error FROM digests WHERE subscription_id = ? ORDER BY id DESC LIMIT 1').pluck().get(id) as string;

  it('Telegram: reset connections, a 502 page, a 500 echoing the URL, then the API unreachable', async () => {
    const reset = await subscribeTelegram(1);
    const badGateway = await subscribeTelegram(2);
    const echo = await subscribeTelegram(3);
    const refused = await subscribeTelegram(4);

    tgFake.resetNext = 1;
    await app.delivery.digestNow(reset);
    expect(lastError(reset)).toMatch(/^network error: /);

    tgFake.badGatewayNext = 1;
    await app.delivery.digestNow(badGateway);
    // node-fetch quotes the URL of a non-JSON answer: …/bot[redacted]/sendMessage
    expect(lastError(badGateway)).toContain('bot[redacted]/sendMessage');

    tgFake.failNext = 1;
    tgFake.failDescription = `Bad Gateway: upstream /bot${TG_TOKEN}/sendMessage timed out`;
    await app.delivery.digestNow(echo);
    expect(lastError(echo)).toBe('Bad Gateway: upstream /bot[redacted]/sendMessage timed out');

    // The Bot API goes away: sends, command replies and the edit after /digest all fail.
    await tgFake.stop();
    await app.delivery.digestNow(refused);
    expect(lastError(refused)).toMatch(/^network error: .*bot\[redacted\]\/sendMessage failed, reason: /);
    expect((await hook('/digest', 4)).status).toBe(200);
    expect((await hook('/settings', 4)).status).toBe(200);
    await tg.idle();
    // Retries of everything pending, with the API still down.
    vc.now += 60 * 60_000;
    await app.delivery.sender.runOnce();

    // An error thrown by the adapter itself is scrubbed too.
    const thrown = (await tg.send('4', 'hello').then(
      () => expect.fail('the send should fail'),
      (err: unknown) => err,
    )) as Error & { error?: Error };
    expect(`${thrown.message} ${thrown.stack} ${thrown.error?.message} ${thrown.error?.stack}`).not.toContain('canary');
    expect(thrown.error?.message).toContain('bot[redacted]');
  });

  it('Slack: a 500 echoing the Authorization header and the request, then the API unreachable', async () => {
    const command = (channel: string, text: string) => signedCommand(`http://127.0.0.1:${slack.port}/slack/events`, SLACK_SECRET, { channel_id: channel, text, response_url: slackFake.responseUrl(channel) });
    expect((await command('C1', 'subscribe')).status).toBe(200);
    expect((await command('C2', 'subscribe')).status).toBe(200);
    const c1 = (await app.delivery.subscriptions.get('slack', 'C1'))!.id;
    const c2 = (await app.delivery.subscriptions.get('slack', 'C2'))!.id;

    slackFake.failNext = 1;
    await app.delivery.digestNow(c1);
    expect(lastError(c1)).toBe('An HTTP protocol error occurred: statusCode = 500');

    await slackFake.stop();
    await app.delivery.digestNow(c2);
    expect(lastError(c2)).toMatch(/^A request error occurred: /);
    // A signed command whose follow-up cannot reach Slack, and a forged one.
    expect((await command('C2', 'now')).status).toBe(200);
    await slack.idle();
    const forged = await signedCommand(`http://127.0.0.1:${slack.port}/slack/events`, SLACK_SECRET, { channel_id: 'C3', text: 'subscribe' }, { badSignature: true });
    expect(forged.status).toBe(401);
    vc.now += 60 * 60_000;
    await app.delivery.sender.runOnce();
  });

  it('leaves no canary in the trace-level log or in any text of the database', async () => {
    await new Promise<void>((r) => log.flush(() => r()));
    // The failures above were logged (so the check below is not vacuous)…
    expect(lines).toMatch(/send failed, will retry/);
    expect(lines).toMatch(/telegram webhook update failed|telegram \/digest failed/);
    expect(lines).toContain('bot[redacted]');
    const db = databaseText(app, dbPath);
    expect(db).toContain('network error');
    // …and no secret is in either.
    for (const canary of CANARIES) {
      expect(lines.includes(canary), `log contains ${canary}`).toBe(false);
      expect(db.includes(canary), `database contains ${canary}`).toBe(false);
    }
  });
});
