import { Bot, GrammyError, HttpError, type Context } from 'grammy';
import { autoRetry } from '@grammyjs/auto-retry';
import type http from 'node:http';
import { stripInvisible } from '../../digest/format.js';
import { ChatCommands } from '../../digest/chat-commands.js';
import type { Alert, Digest } from '../../digest/model.js';
import { CommandError, commandArgument, type SubscriptionService } from '../../digest/subscriptions.js';
import type { DeliveryAdapter, DeliveryFailure, SendOptions } from '../../delivery/types.js';
import type { Logger } from '../../logger.js';
import { errorText, redact, redactError, redactFields, registerSecret } from '../../redact.js';
import { SCHEDULE_HELP } from '../../scheduler/schedule.js';
import { BackgroundTasks } from '../background.js';
import { TELEGRAM_MAX_CHARS, escapeHtml, renderTelegram, renderTelegramAlert } from './render.js';
import { readUpdate } from './webhook.js';

export interface TelegramOptions {
  token: string;
  /** A self-hosted Bot API server; must not end in "/". */
  apiRoot?: string;
  webhookUrl?: string;
  webhookSecret?: string;
}

/** What the chat commands need from the rest of the program. */
export interface DigestTrigger {
  /**
   * Builds a digest for the subscription now and sends it; returns how many stories it had.
   * May take as long as the outbox does: adapters call it only after answering the user.
   */
  digestNow(subscriptionId: number): Promise<{ stories: number; sent: boolean }>;
}

export const COMMANDS = [
  { command: 'start', description: 'Subscribe this chat with the default settings' },
  { command: 'subscribe', description: 'Subscribe to a topic: /subscribe [topic]' },
  { command: 'unsubscribe', description: 'Stop a topic or everything: /unsubscribe [topic|all]' },
  { command: 'topics', description: 'List the topics you can follow' },
  { command: 'digest', description: 'Send the digest now' },
  { command: 'schedule', description: 'When digests come: /schedule daily 08:00' },
  { command: 'timezone', description: 'Your time zone: /timezone Europe/Kyiv' },
  { command: 'alerts', description: 'Breaking stories at once: /alerts 3 [skip-digest] | off' },
  { command: 'quiet', description: 'Quiet hours for alerts: /quiet 22:00-07:00 [wait|silent] | off' },
  { command: 'filter', description: 'Word filters: /filter add -word | add +word | list | clear' },
  { command: 'settings', description: 'Show this chat’s subscription' },
  { command: 'help', description: 'How to use this bot' },
];

/**
 * A command's answer: sent at once; `followUp` is slow work (building and sending the digest)
 * done after, whose result replaces the answer's text.
 */
interface Reply {
  text: string;
  followUp?: () => Promise<string>;
}

/**
 * A reply as it may be sent: invisible and direction controls removed, and cut at a line break
 * if it would pass Telegram's 4,096 characters (every reply line is balanced HTML on its own).
 */
function fitReply(html: string): string {
  const text = stripInvisible(html);
  if (text.length <= TELEGRAM_MAX_CHARS) return text;
  const cut = text.lastIndexOf('\n', TELEGRAM_MAX_CHARS - 2);
  return `${text.slice(0, cut > 0 ? cut : 0)}\n…`;
}

const CHANGES_SETTINGS = new Set(['start', 'subscribe', 'unsubscribe', 'digest', 'schedule', 'timezone', 'alerts', 'quiet', 'filter']);
/** Whether a command changes settings: the bare forms only show them (`/alerts`, `/filter list`). */
function changesSettings(name: string, arg: string): boolean {
  if (!CHANGES_SETTINGS.has(name)) return false;
  if (name === 'alerts' || name === 'quiet') return arg.trim() !== '';
  if (name === 'filter') return !/^(list)?$/i.test(arg.trim());
  return true;
}

const HELP = `I send a short digest of the news on your topics, once per story, with the outlets that reported it.

/subscribe [topic] — follow a topic (see /topics)
/unsubscribe [topic|all] — stop
/digest — the digest now
/schedule ${SCHEDULE_HELP.split(' | ').slice(0, 4).join(' | ')} | off
/timezone Area/City — e.g. /timezone Europe/Kyiv
/alerts 3 — post a story as soon as 3 outlets report it, updated in place as more join; /alerts 3 skip-digest leaves alerted stories out of the digest; /alerts off
/quiet 22:00-07:00 [wait|silent] — quiet hours for alerts (wait: held until the end; silent: no sound); /quiet off
/filter add -word — leave out stories with a word; /filter add +word — only stories with it; /filter list; /filter clear
/settings — what this chat gets
In groups, only administrators can change the settings.`;

/**
 * The Telegram side: a grammY bot whose commands call the shared subscription service, and the
 * delivery adapter that sends rendered digests through the same bot.
 */
export class TelegramAdapter implements DeliveryAdapter {
  readonly platform = 'telegram' as const;
  /**
   * Telegram allows about 30 messages/s overall and 1 message/s per chat. We pace at 28/s, each
   * send in a slot of its own, and a send that wakes late for its slot takes a new one instead of
   * bunching with the next: the 2/s to spare absorb the jitter between our slot and Telegram's
   * clock (at 30/s: 166 429s per 1,000 sends; at 29/s on a loaded machine, three workers: up to 3).
   */
  readonly limits = { perSecond: 28, perChatIntervalMs: 1000 };
  readonly bot: Bot;
  private readonly tasks: BackgroundTasks;

  constructor(
    private readonly options: TelegramOptions,
    private readonly subscriptions: SubscriptionService,
    private readonly trigger: DigestTrigger,
    private readonly log: Logger,
  ) {
    registerSecret(options.token, options.webhookSecret);
    this.tasks = new BackgroundTasks(log);
    // A request that hangs is given up well before the outbox lease (5 min) runs out, so another
    // worker never sends a part this one may still be sending (grammY's default is 500 s). Long
    // polling's getUpdates waits 30 s, well inside.
    this.bot = new Bot(options.token, { client: { timeoutSeconds: 90, ...(options.apiRoot ? { apiRoot: options.apiRoot.replace(/\/+$/, '') } : {}) } });
    // Short 429 waits are retried in place; longer ones, 5xx and network errors reach the outbox, which backs off.
    this.bot.api.config.use(autoRetry({ maxRetryAttempts: 2, maxDelaySeconds: 5, rethrowInternalServerErrors: true, rethrowHttpErrors: true }));
    this.registerCommands();
    this.bot.catch((err) => this.log.error({ err: redactError(err.error), update: err.ctx.update.update_id }, 'telegram update failed'));
  }

  render(digest: Digest): string[] {
    return renderTelegram(digest);
  }

  renderAlert(alert: Alert): string {
    return renderTelegramAlert(alert);
  }

  async send(chatId: string, payload: unknown, options: SendOptions = {}): Promise<string> {
    try {
      const msg = await this.bot.api.sendMessage(chatId, String(payload), { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...(options.silent ? { disable_notification: true } : {}) });
      return String(msg.message_id);
    } catch (err) {
      // grammY's network errors quote the request URL, which carries the bot token.
      throw redactError(err);
    }
  }

  async edit(chatId: string, messageId: string, payload: unknown): Promise<void> {
    try {
      await this.bot.api.editMessageText(chatId, Number(messageId), String(payload), { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
    } catch (err) {
      // The message already shows this text (an edit sent again after a restart): done.
      if (err instanceof GrammyError && err.error_code === 400 && /message is not modified/i.test(err.description)) return;
      throw redactError(err);
    }
  }

  /** What the outbox does about a failed send; every text in it is scrubbed (it is stored in digests.last_error). */
  classify(err: unknown): DeliveryFailure {
    return redactFields(this.classifyRaw(err));
  }

  private classifyRaw(err: unknown): DeliveryFailure {
    if (err instanceof GrammyError) {
      const description = err.description;
      if (err.error_code === 429) return { kind: 'rate-limited', retryAfterMs: (err.parameters.retry_after ?? 1) * 1000, message: description };
      if (err.error_code === 403) {
        const reason = /blocked/i.test(description) ? 'blocked by the user' : /kicked/i.test(description) ? 'bot removed from the chat' : /deactivated/i.test(description) ? 'user deactivated' : 'forbidden';
        return { kind: 'permanent', reason, message: description };
      }
      if (err.error_code === 400 && /message to edit not found|message can't be edited|MESSAGE_ID_INVALID/i.test(description)) return { kind: 'gone', message: description };
      if (err.error_code === 400 && /chat not found|group chat was upgraded|have no rights|not enough rights|channel_private/i.test(description)) {
        return { kind: 'permanent', reason: /chat not found/i.test(description) ? 'chat not found' : description, message: description };
      }
      if (err.error_code >= 500) return { kind: 'transient', message: description };
      return { kind: 'rejected', message: description };
    }
    if (err instanceof HttpError) return { kind: 'transient', message: `network error: ${errorText(err.error ?? err)}` };
    return { kind: 'transient', message: errorText(err) };
  }

  /**
   * Long polling (default) or webhook mode; registers the command menu first. `poll: false`:
   * sends only, until {@link startPolling} (several workers of one bot: the Bot API serves
   * getUpdates to one client at a time, so one of them polls).
   */
  async start(options: { poll?: boolean } = {}): Promise<void> {
    try {
      await this.bot.init();
    } catch (err) {
      const e = err as { error_code?: number; description?: string; message?: string };
      if (e.error_code === 401 || e.error_code === 404) {
        throw Object.assign(new Error(`Telegram rejected TELEGRAM_BOT_TOKEN (${e.error_code} ${e.description ?? ''}): check the token from @BotFather`.replace(/\s+\)/, ')')), { exitCode: 1 });
      }
      throw Object.assign(new Error(`Telegram is unreachable: ${redact(e.message ?? String(err))} (check the network or TELEGRAM_API_ROOT)`), { exitCode: 1 });
    }
    await this.bot.api.setMyCommands(COMMANDS);
    if (this.options.webhookUrl) {
      await this.bot.api.setWebhook(this.options.webhookUrl, { secret_token: this.options.webhookSecret });
      this.log.info({ url: this.options.webhookUrl }, 'telegram webhook set');
      return;
    }
    if (options.poll !== false) this.startPolling();
  }

  /** Whether this adapter receives updates by long polling (not in webhook mode). */
  get longPolling(): boolean {
    return !this.options.webhookUrl;
  }

  get polling(): boolean {
    return this.bot.isRunning();
  }

  /** Starts long polling for updates (commands), if it is not running. */
  startPolling(): void {
    if (this.bot.isRunning() || this.options.webhookUrl) return;
    void this.bot.start({ drop_pending_updates: false, onStart: (me) => this.log.info({ bot: me.username }, 'telegram long polling started') }).catch((err: unknown) => this.log.error({ err: redactError(err) }, 'telegram polling stopped'));
  }

  /** Stops long polling (another worker took over receiving updates). */
  async stopPolling(): Promise<void> {
    if (this.bot.isRunning()) await this.bot.stop();
  }

  async stop(): Promise<void> {
    if (this.bot.isRunning()) await this.bot.stop();
    await this.tasks.idle();
  }

  /** Resolves when the work commands and webhook calls started after answering is done. */
  idle(): Promise<void> {
    return this.tasks.idle();
  }

  /**
   * A route for our HTTP server answering Telegram's webhook calls: secret token checked, body
   * capped and parsed safely (webhook.ts), answered 200 at once and the update handled after,
   * so a slow command never makes Telegram time out and resend it.
   */
  webhookRoute(): ((req: http.IncomingMessage, res: http.ServerResponse) => boolean) | undefined {
    if (!this.options.webhookUrl) return undefined;
    const path = new URL(this.options.webhookUrl).pathname;
    return (req, res) => {
      if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== path) return false;
      this.tasks.run('telegram webhook update', async () => {
        const update = await readUpdate(req, res, this.options.webhookSecret);
        if (!update) return;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        await this.bot.handleUpdate(update as never);
      });
      return true;
    };
  }

  private registerCommands(): void {
    const options = { parse_mode: 'HTML', link_preview_options: { is_disabled: true } } as const;
    const reply = (ctx: Context, text: string) => ctx.reply(fitReply(text), options);
    const guarded = (name: string, handler: (ctx: Context, chatId: string, arg: string) => Promise<string | Reply>) =>
      this.bot.command(name, async (ctx) => {
        const chatId = String(ctx.chat.id);
        if (changesSettings(name, typeof ctx.match === 'string' ? ctx.match : '') && !(await this.mayChangeSettings(ctx))) {
          await reply(ctx, 'Sorry, only the administrators of this group can change its digest settings.');
          return;
        }
        let answer: Reply;
        try {
          const result = await handler(ctx, chatId, commandArgument(typeof ctx.match === 'string' ? ctx.match : ''));
          answer = typeof result === 'string' ? { text: result } : result;
        } catch (err) {
          if (!(err instanceof CommandError)) throw err;
          answer = { text: escapeHtml(err.message) };
        }
        const sent = await reply(ctx, answer.text);
        const followUp = answer.followUp;
        if (!followUp) return;
        // Answered; the slow part runs after, so this handler never waits for the outbox.
        this.tasks.run(`telegram /${name}`, async () => {
          let outcome: string;
          try {
            outcome = await followUp();
          } catch (err) {
            this.log.error({ err: redactError(err), chat: chatId }, `telegram /${name} failed`);
            outcome = 'Sorry, that did not work. Please try again in a few minutes.';
          }
          await ctx.api.editMessageText(sent.chat.id, sent.message_id, fitReply(outcome), options);
        });
      });
    const title = (ctx: Context) => ('title' in ctx.chat! ? ctx.chat.title : undefined) ?? ctx.from?.username ?? ctx.from?.first_name;
    const subs = this.subscriptions;

    guarded('start', async (ctx, chatId) => {
      const { subscription } = await subs.subscribe('telegram', chatId, undefined, title(ctx));
      return `Welcome! This chat now gets a digest of <b>${escapeHtml(subs.topics().find((t) => t.id === subscription.topics[0])?.name ?? '')}</b>.\n${escapeHtml(await subs.describe(subscription))}\n\nSend /digest for today’s stories now, /help for everything else.`;
    });
    guarded('subscribe', async (ctx, chatId, arg) => {
      const { subscription, topic } = await subs.subscribe('telegram', chatId, arg || undefined, title(ctx));
      return `Subscribed to <b>${escapeHtml(topic)}</b>.\n${escapeHtml(await subs.describe(subscription))}`;
    });
    guarded('unsubscribe', async (_ctx, chatId, arg) => {
      const { stopped, subscription } = await subs.unsubscribe('telegram', chatId, arg || undefined);
      return stopped ? 'Unsubscribed: no more digests here. /subscribe to start again.' : `Removed. ${escapeHtml(await subs.describe(subscription!))}`;
    });
    guarded('topics', async () => subs.topics().map((t) => `<b>${escapeHtml(t.id)}</b> — ${escapeHtml(t.name)}`).join('\n'));
    guarded('settings', async (_ctx, chatId) => {
      const sub = await subs.get('telegram', chatId);
      return sub ? escapeHtml(await subs.describe(sub)) : 'This chat has no subscription yet. Send /start.';
    });
    guarded('schedule', async (_ctx, chatId, arg) => {
      if (!arg) throw new CommandError(`Usage: /schedule daily 08:00 (or ${SCHEDULE_HELP})`);
      return `Schedule set. ${escapeHtml(await subs.describe(await subs.setSchedule('telegram', chatId, arg)))}`;
    });
    guarded('timezone', async (_ctx, chatId, arg) => {
      if (!arg) throw new CommandError('Usage: /timezone Area/City, e.g. /timezone Europe/Kyiv');
      return `Time zone set. ${escapeHtml(await subs.describe(await subs.setTimezone('telegram', chatId, arg)))}`;
    });
    guarded('digest', async (ctx, chatId, arg) => {
      if (arg && arg.toLowerCase() !== 'now') throw new CommandError('Usage: /digest (sends the digest now)');
      const sub = (await subs.get('telegram', chatId)) ?? (await subs.subscribe('telegram', chatId, undefined, title(ctx))).subscription;
      return {
        text: 'Preparing your digest…',
        followUp: async () => {
          const { stories } = await this.trigger.digestNow(sub.id);
          return stories ? `Here is your digest: ${stories} ${stories === 1 ? 'story' : 'stories'}.` : 'Nothing new on your topics since the last digest.';
        },
      };
    });
    const chat = new ChatCommands(subs);
    guarded('alerts', async (_ctx, chatId, arg) => escapeHtml(await chat.alerts('telegram', chatId, arg)));
    guarded('quiet', async (_ctx, chatId, arg) => escapeHtml(await chat.quiet('telegram', chatId, arg)));
    guarded('filter', async (_ctx, chatId, arg) => escapeHtml(await chat.filter('telegram', chatId, arg)));
    guarded('help', async () => escapeHtml(HELP));
  }

  /** In groups only administrators may change settings; private chats and channels always may. */
  private async mayChangeSettings(ctx: Context): Promise<boolean> {
    const type = ctx.chat?.type;
    if (type !== 'group' && type !== 'supergroup') return true;
    if (!ctx.from) return false;
    if (ctx.from.username === 'GroupAnonymousBot') return true; // an anonymous admin
    const member = await ctx.api.getChatMember(ctx.chat!.id, ctx.from.id);
    return member.status === 'creator' || member.status === 'administrator';
  }
}
