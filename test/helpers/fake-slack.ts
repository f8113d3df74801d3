import { createHmac } from 'node:crypto';
import http from 'node:http';
import { Holds } from './holds.js';
import type { AddressInfo } from 'node:net';

export interface Posted {
  channel: string;
  text: string;
  blocks: { type: string; text?: { type: string; text: string } }[];
  ts: string;
}

/**
 * A local Slack Web API (`slackApiUrl`): auth.test, chat.postMessage and chat.update with Slack's limits
 * enforced (text fallback, ≤ 50 blocks, ≤ 3,000 characters per section), and channel failures on demand.
 */
export class FakeSlack {
  readonly posted: Posted[] = [];
  readonly notInChannel = new Set<string>();
  readonly notFound = new Set<string>();
  /** chat.update calls that changed a message, in order; the message in `posted` shows the new text. */
  readonly updates: { channel: string; ts: string; text: string }[] = [];
  rateLimitNext = 0;
  retryAfter = 20;
  /** Answer chat.postMessage with 500 this many times, echoing the request's Authorization header (a hostile proxy). */
  failNext = 0;
  /** What was posted to response URLs (`respond()` after an acknowledged command), in order. */
  readonly responses: { id: string; body: Record<string, unknown> }[] = [];
  private readonly holds = new Holds<[channel: string]>();
  private n = 0;
  private server = http.createServer((req, res) => void this.handle(req, res));
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  /** A response_url for a slash command; what is posted there lands in `responses`. */
  responseUrl(id: string): string {
    return `http://127.0.0.1:${this.port}/response/${id}`;
  }

  /** Holds the answers to chat.postMessage calls for channels that `match` until `release()`; `arrived` resolves at the first held call. */
  hold(match: (channel: string) => boolean): { release: () => void; arrived: Promise<void> } {
    return this.holds.hold(match);
  }


  /** Someone deleted a posted message: chat.update answers message_not_found. */
  deleteMessage(channel: string, ts: string): void {
    const i = this.posted.findIndex((p) => p.channel === channel && p.ts === ts);
    if (i >= 0) this.posted.splice(i, 1);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body: Record<string, unknown> = (req.headers['content-type'] ?? '').includes('json') ? JSON.parse(raw || '{}') : Object.fromEntries(new URLSearchParams(raw));
    const response = /^\/response\/([^/?]+)/.exec(req.url ?? '');
    if (response) {
      this.responses.push({ id: response[1]!, body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0];
    const send = (payload: Record<string, unknown>, status = 200, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
    };
    if (method === 'auth.test') return send({ ok: true, url: 'https://test.slack.com/', team: 'Test', user: 'news-digest', team_id: 'T1', user_id: 'U0BOT', bot_id: 'B1' });
    if (method === 'chat.update') {
      const msg = this.posted.find((p) => p.channel === String(body.channel) && p.ts === String(body.ts));
      if (!msg) return send({ ok: false, error: 'message_not_found' });
      msg.text = String(body.text ?? '');
      msg.blocks = (typeof body.blocks === 'string' ? JSON.parse(body.blocks) : (body.blocks ?? [])) as Posted['blocks'];
      this.updates.push({ channel: msg.channel, ts: msg.ts, text: msg.text });
      return send({ ok: true, channel: msg.channel, ts: msg.ts });
    }
    if (method !== 'chat.postMessage') return send({ ok: false, error: 'unknown_method' });
    if (this.rateLimitNext > 0) {
      this.rateLimitNext--;
      return send({ ok: false, error: 'ratelimited' }, 429, { 'retry-after': String(this.retryAfter) });
    }
    const channel = String(body.channel);
    await this.holds.wait(channel);
    if (this.failNext > 0) {
      this.failNext--;
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`upstream error for request with authorization: ${req.headers.authorization ?? ''} body: ${raw.slice(0, 200)}`);
      return;
    }
    if (this.notInChannel.has(channel)) return send({ ok: false, error: 'not_in_channel' });
    if (this.notFound.has(channel)) return send({ ok: false, error: 'channel_not_found' });
    const blocks = (typeof body.blocks === 'string' ? JSON.parse(body.blocks) : (body.blocks ?? [])) as Posted['blocks'];
    const text = String(body.text ?? '');
    if (!text) return send({ ok: false, error: 'no_text' });
    if (blocks.length > 50) return send({ ok: false, error: 'invalid_blocks', detail: 'more than 50 blocks' });
    // Undocumented but real: past ~13,200 characters of block text Slack refuses the message.
    const blockText = blocks.reduce((n, b) => n + (b.text?.text.length ?? 0), 0);
    if (blockText > 13_000) return send({ ok: false, error: 'msg_blocks_too_long' });
    for (const b of blocks) {
      if (b.type === 'section' && (b.text?.text.length ?? 0) > 3000) return send({ ok: false, error: 'invalid_blocks', detail: 'section text over 3000' });
      if (b.type === 'header' && (b.text?.text.length ?? 0) > 150) return send({ ok: false, error: 'invalid_blocks', detail: 'header over 150' });
    }
    const ts = `1700000000.${String(++this.n).padStart(6, '0')}`;
    this.posted.push({ channel, text, blocks, ts });
    return send({ ok: true, channel, ts });
  }
}

/** A slash command as Slack sends it: form-encoded and signed with the app's signing secret. */
export function signedCommand(url: string, secret: string, fields: Record<string, string>, options: { timestamp?: number; badSignature?: boolean } = {}) {
  const body = new URLSearchParams({ token: 'x', team_id: 'T1', team_domain: 'test', user_id: 'U1', user_name: 'reader', command: '/digest', api_app_id: 'A1', response_url: 'http://127.0.0.1:9/unused', trigger_id: '1.2', ...fields }).toString();
  const ts = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = 'v0=' + createHmac('sha256', options.badSignature ? 'wrong-secret' : secret).update(`v0:${ts}:${body}`).digest('hex');
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature }, body });
}
