import http from 'node:http';
import { Holds } from './holds.js';
import type { AddressInfo } from 'node:net';

export interface SentMessage {
  chat_id: string;
  text: string;
  parse_mode?: string;
  link_preview_options?: { is_disabled?: boolean };
  disable_notification?: boolean;
  message_id: number;
  at: number;
}

const ALLOWED_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'tg-spoiler', 'blockquote', 'span']);

/** Telegram's HTML rules: known tags, balanced, and only &lt; &gt; &amp; &quot; or numeric entities. */
export function telegramHtmlError(text: string): string | null {
  const stack: string[] = [];
  const tagRe = /<\/?([a-zA-Z-]+)(\s[^>]*)?>/g;
  const stripped = text.replace(tagRe, (whole, name: string) => {
    const tag = name.toLowerCase();
    if (!ALLOWED_TAGS.has(tag)) return `\u0000bad:${tag}\u0000`;
    if (whole.startsWith('</')) {
      if (stack.pop() !== tag) return `\u0000unbalanced:${tag}\u0000`;
    } else stack.push(tag);
    return '';
  });
  const bad = /\u0000(bad|unbalanced):([^\u0000]+)\u0000/.exec(stripped);
  if (bad) return `Bad Request: can't parse entities: ${bad[1] === 'bad' ? 'unsupported start tag' : 'unexpected end tag'} "${bad[2]}"`;
  if (stack.length) return `Bad Request: can't parse entities: can't find end tag corresponding to start tag "${stack.at(-1)}"`;
  if (/[<>]/.test(stripped)) return "Bad Request: can't parse entities: unescaped < or >";
  const entity = /&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)[^\s;]*;?/.exec(stripped);
  if (entity) return `Bad Request: can't parse entities: unsupported entity "${entity[0]}"`;
  return null;
}

/**
 * A local Telegram Bot API: what grammY calls (getMe, setMyCommands, sendMessage, editMessageText, getChatMember,
 * setWebhook, deleteWebhook, getUpdates), with the real limits enforced and failures on demand.
 */
export class FakeTelegram {
  readonly sent: SentMessage[] = [];
  readonly calls: { method: string; body: Record<string, unknown> }[] = [];
  readonly blocked = new Set<string>();
  readonly missing = new Set<string>();
  readonly admins = new Map<string, Set<number>>();
  /** Answer this many next sendMessage calls with 429 retry_after. */
  rateLimitNext = 0;
  retryAfter = 3;
  /** Answer sendMessage with 500 this many times. */
  failNext = 0;
  /** The description of those 500s (a proxy may echo the request path, token included). */
  failDescription = 'Internal Server Error';
  /** Answer sendMessage this many times with a 502 HTML page (not JSON, as a proxy sends). */
  badGatewayNext = 0;
  /** Drop the connection of this many sendMessage calls without answering (a network error). */
  resetNext = 0;
  /** Edits of sent messages (editMessageText), in order; the message in `sent` shows the new text. */
  readonly edits: { chat_id: string; message_id: number; text: string; at: number }[] = [];
  private readonly holds = new Holds<[chat: string, text: string]>();
  /** Never answer sendMessage calls whose text contains this (a process killed mid-send). */
  hangOn: string | undefined;
  /** Enforce 30 msg/s overall and 1 msg/s per chat with 429s (for the fan-out benchmark). */
  enforceRates = false;
  rateLimited = 0;
  /**
   * As the Bot API does: a getUpdates while another is waiting ends the waiting one with 409
   * Conflict (two processes polling one bot). Counted in `conflicts`.
   */
  conflictOnConcurrentPolls = false;
  conflicts = 0;
  private waitingPoll: (() => void) | undefined;
  private updates: unknown[] = [];
  private waiters: (() => void)[] = [];
  private nextId = 1;
  private server = http.createServer((req, res) => void this.handle(req, res));
  port = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Queues an update for getUpdates (long polling). */
  push(update: unknown): void {
    this.updates.push(update);
    this.waiters.splice(0).forEach((w) => w());
  }

  /**
   * Holds the answers to sendMessage calls that `match` (a send in flight) until `release()`:
   * a fan-out kept busy for as long as a test needs. `arrived` resolves at the first held call.
   */
  hold(match: (chat: string, text: string) => boolean): { release: () => void; arrived: Promise<void> } {
    return this.holds.hold(match);
  }


  /** The reader deleted a message: editing it fails as Telegram does. */
  deleteMessage(chat: string | number, messageId: number): void {
    const i = this.sent.findIndex((m) => m.chat_id === String(chat) && m.message_id === messageId);
    if (i >= 0) this.sent.splice(i, 1);
  }

  /** Messages and edits in the second before `now`, and whether `chat` had one in it (the enforced limits). */
  private overLimit(chat: string, now: number): boolean {
    const recent = (at: number) => at > now - 1000;
    const toChat = this.sent.some((s) => s.chat_id === chat && recent(s.at)) || this.edits.some((e) => e.chat_id === chat && recent(e.at));
    return toChat || this.sent.filter((s) => recent(s.at)).length + this.edits.filter((e) => recent(e.at)).length >= 30;
  }

  messagesTo(chat: string | number): SentMessage[] {
    return this.sent.filter((m) => m.chat_id === String(chat));
  }

  async stop(): Promise<void> {
    this.waiters.splice(0).forEach((w) => w());
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const reply = (status: number, payload: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    const ok = (result: unknown) => reply(200, { ok: true, result });
    const error = (code: number, description: string, parameters?: unknown) => reply(code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });
    if (!m) return error(404, 'Not Found');
    const method = m[2]!;
    this.calls.push({ method, body });
    switch (method) {
      case 'getMe':
        return ok({ id: 42, is_bot: true, first_name: 'News Digest', username: 'news_digest_test_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false });
      case 'setMyCommands':
      case 'deleteWebhook':
      case 'setWebhook':
        return ok(true);
      case 'getChatMember': {
        const admins = this.admins.get(String(body.chat_id));
        return ok({ status: admins?.has(Number(body.user_id)) ? 'administrator' : 'member', user: { id: body.user_id, is_bot: false, first_name: 'U' } });
      }
      case 'getUpdates': {
        const offset = Number(body.offset ?? 0);
        this.updates = this.updates.filter((u) => (u as { update_id: number }).update_id >= offset);
        // Another client's getUpdates still waiting (its connection open): it is ended with 409.
        if (this.conflictOnConcurrentPolls && this.waitingPoll) {
          this.conflicts++;
          this.waitingPoll();
        }
        let conflicted = false;
        let mine: (() => void) | undefined;
        if (!this.updates.length) {
          await new Promise<void>((r) => {
            const end = () => {
              conflicted = true;
              r();
            };
            mine = end;
            if (this.conflictOnConcurrentPolls) {
              this.waitingPoll = end;
              // A client that went away (a killed process) is no longer polling.
              res.once('close', () => {
                if (this.waitingPoll === end) this.waitingPoll = undefined;
                r();
              });
            }
            this.waiters.push(r);
          });
        }
        if (this.waitingPoll === mine) this.waitingPoll = undefined;
        if (conflicted) return error(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
        if (res.destroyed) return;
        return ok(this.updates.filter((u) => (u as { update_id: number }).update_id >= offset));
      }
      case 'sendMessage': {
        const chat = String(body.chat_id);
        const text = String(body.text ?? '');
        if (this.hangOn && text.includes(this.hangOn)) return; // never answers
        await this.holds.wait(chat, text);
        if (this.resetNext > 0) {
          this.resetNext--;
          req.socket.destroy();
          return;
        }
        if (this.badGatewayNext > 0) {
          this.badGatewayNext--;
          res.writeHead(502, { 'content-type': 'text/html' }).end(`<html><body>502 Bad Gateway: upstream ${req.url} unreachable</body></html>`);
          return;
        }
        if (this.failNext > 0) {
          this.failNext--;
          return error(500, this.failDescription);
        }
        if (this.rateLimitNext > 0) {
          this.rateLimitNext--;
          this.rateLimited++;
          return error(429, `Too Many Requests: retry after ${this.retryAfter}`, { retry_after: this.retryAfter });
        }
        if (this.blocked.has(chat)) return error(403, 'Forbidden: bot was blocked by the user');
        if (this.missing.has(chat)) return error(400, 'Bad Request: chat not found');
        if (text.length > 4096) return error(400, 'Bad Request: message is too long');
        if (body.parse_mode === 'HTML') {
          const problem = telegramHtmlError(text);
          if (problem) return error(400, problem);
        }
        const now = this.clock();
        if (this.enforceRates && this.overLimit(chat, now)) {
          this.rateLimited++;
          return error(429, 'Too Many Requests: retry after 1', { retry_after: 1 });
        }
        const message_id = this.nextId++;
        this.sent.push({
          chat_id: chat,
          text,
          parse_mode: body.parse_mode as string,
          link_preview_options: body.link_preview_options as { is_disabled?: boolean },
          ...(body.disable_notification !== undefined ? { disable_notification: Boolean(body.disable_notification) } : {}),
          message_id,
          at: now,
        });
        return ok({ message_id, date: Math.floor(now / 1000), chat: { id: Number(chat), type: 'private' }, text });
      }
      case 'editMessageText': {
        const chat = String(body.chat_id);
        const text = String(body.text ?? '');
        const msg = this.sent.find((s) => s.chat_id === chat && s.message_id === Number(body.message_id));
        if (!msg) return error(400, 'Bad Request: message to edit not found');
        if (msg.text === text) return error(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        if (this.enforceRates && this.overLimit(chat, this.clock())) {
          this.rateLimited++;
          return error(429, 'Too Many Requests: retry after 1', { retry_after: 1 });
        }
        if (text.length > 4096) return error(400, 'Bad Request: MESSAGE_TOO_LONG');
        if (body.parse_mode === 'HTML') {
          const problem = telegramHtmlError(text);
          if (problem) return error(400, problem);
        }
        msg.text = text;
        this.edits.push({ chat_id: chat, message_id: msg.message_id, text, at: this.clock() });
        return ok({ message_id: msg.message_id, date: Math.floor(this.clock() / 1000), chat: { id: Number(chat), type: 'private' }, text });
      }
      default:
        return error(404, `Not Found: method ${method}`);
    }
  }
}

let updateId = 1000;

/** A Telegram update carrying a command message, as the Bot API delivers it. */
export function commandUpdate(text: string, chat: { id: number; type: 'private' | 'group' | 'supergroup' | 'channel'; title?: string }, fromId = 7): Record<string, unknown> {
  const command = text.split(/\s/)[0]!;
  const message = {
    message_id: updateId,
    date: Math.floor(Date.now() / 1000),
    chat: chat.type === 'private' ? { id: chat.id, type: 'private', first_name: 'Reader' } : { id: chat.id, type: chat.type, title: chat.title ?? 'Group' },
    ...(chat.type === 'channel' ? { sender_chat: { id: chat.id, type: 'channel', title: chat.title ?? 'Channel' } } : { from: { id: fromId, is_bot: false, first_name: 'Reader', username: 'reader' } }),
    text,
    entities: [{ type: 'bot_command', offset: 0, length: command.length }],
  };
  return { update_id: updateId++, ...(chat.type === 'channel' ? { channel_post: message } : { message }) };
}
