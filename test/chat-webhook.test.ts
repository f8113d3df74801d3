import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../src/adapters/telegram/bot.js';
import { WEBHOOK_MAX_BYTES } from '../src/adapters/telegram/webhook.js';
import { silentLogger } from '../src/logger.js';
import { VirtualClock, demoApp } from './helpers/delivery.js';
import { FakeTelegram, commandUpdate } from './helpers/fake-telegram.js';

const SECRET = 'hook_secret_123';

/** A raw request, so bodies can be malformed, huge or streamed without a length. */
function request(port: number, options: { body: Buffer | string; secret?: string; chunked?: boolean }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const body = Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', ...(options.secret ? { 'x-telegram-bot-api-secret-token': options.secret } : {}) };
    if (!options.chunked) headers['content-length'] = body.length;
    const req = http.request({ host: '127.0.0.1', port, path: '/tg/hook', method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (options.chunked) {
      // Streamed in 64 KB pieces with no Content-Length: the cap must hold while reading.
      for (let i = 0; i < body.length; i += 65536) req.write(body.subarray(i, i + 65536));
      req.end();
    } else req.end(body);
  });
}

describe('Telegram webhook: checked, capped, parsed safely, answered first', () => {
  const vc = new VirtualClock(Date.parse('2026-03-10T06:00:00Z'));
  let fake: FakeTelegram;
  let env: Awaited<ReturnType<typeof demoApp>>;
  let tg: TelegramAdapter;
  let server: http.Server;
  let port = 0;
  let unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    fake = await new FakeTelegram(vc.clock).start();
    env = await demoApp(vc);
    tg = new TelegramAdapter({ token: '123:TEST', apiRoot: fake.apiRoot, webhookUrl: 'https://bot.example/tg/hook', webhookSecret: SECRET }, env.app.delivery.subscriptions, env.app.delivery, silentLogger);
    env.app.delivery.register(tg);
    await tg.start();
    const route = tg.webhookRoute()!;
    server = http.createServer((req, res) => {
      if (!route(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    server.closeAllConnections();
    server.close();
    await tg.stop();
    await env.cleanup();
    await fake.stop();
  });

  const update = (text: string, chat: number) => JSON.stringify(commandUpdate(text, { id: chat, type: 'private' }));

  it('answers a malformed body with the right secret 400 and keeps serving', async () => {
    unhandled = [];
    expect(await request(port, { body: '{"update_id": 1, "message": ', secret: SECRET })).toEqual({ status: 400, text: 'malformed JSON\n' });
    expect((await request(port, { body: '[1, 2, 3]', secret: SECRET })).status).toBe(400);
    expect((await request(port, { body: '{"message": {}}', secret: SECRET })).status).toBe(400);
    expect((await request(port, { body: '', secret: SECRET })).status).toBe(400);
    await tg.idle();
    expect(unhandled).toEqual([]);
    // Still alive: the next update is handled.
    expect((await request(port, { body: update('/start', 500), secret: SECRET })).status).toBe(200);
    await tg.idle();
    expect(await env.app.delivery.subscriptions.get('telegram', '500')).toMatchObject({ active: true });
  });

  it('refuses a body over 1 MB with 413, declared or streamed, without handling it', async () => {
    const big = Buffer.from(JSON.stringify({ update_id: 9, message: { text: 'x'.repeat(WEBHOOK_MAX_BYTES) } }));
    expect((await request(port, { body: big, secret: SECRET })).status).toBe(413);
    expect((await request(port, { body: big, secret: SECRET, chunked: true })).status).toBe(413);
    // Just under the cap is fine.
    const padded = JSON.stringify({ ...commandUpdate('/start', { id: 501, type: 'private' }), pad: 'x'.repeat(WEBHOOK_MAX_BYTES - 1000) });
    expect((await request(port, { body: padded, secret: SECRET, chunked: true })).status).toBe(200);
    await tg.idle();
    expect(await env.app.delivery.subscriptions.get('telegram', '501')).toMatchObject({ active: true });
  });

  it('checks the secret token before reading the body', async () => {
    expect((await request(port, { body: update('/start', 502), secret: 'wrong' })).status).toBe(401);
    expect((await request(port, { body: update('/start', 502) })).status).toBe(401);
    expect((await request(port, { body: Buffer.alloc(2 * WEBHOOK_MAX_BYTES, 'x'), secret: 'wrong', chunked: true })).status).toBe(401);
    await tg.idle();
    expect(await env.app.delivery.subscriptions.get('telegram', '502')).toBeUndefined();
  });

  it('answers 200 before the update is handled (a /digest waiting on a busy Bot API)', async () => {
    expect((await request(port, { body: update('/start', 503), secret: SECRET })).status).toBe(200);
    await tg.idle();
    // Every send to this chat is held: the webhook call must still be answered.
    const held = fake.hold((chat) => chat === '503');
    expect((await request(port, { body: update('/digest', 503), secret: SECRET })).status).toBe(200);
    await held.arrived; // the reply is in flight, after the answer
    held.release();
    await tg.idle();
    expect(fake.edits.filter((e) => e.chat_id === '503').at(-1)!.text).toBe('Here is your digest: 2 stories.');
  });
});
