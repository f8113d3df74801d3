import { format } from 'node:util';
import { App, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { clip, stripInvisible } from '../../digest/format.js';
import { ChatCommands } from '../../digest/chat-commands.js';
import type { Alert, Digest } from '../../digest/model.js';
import { CommandError, commandArgument, type SubscriptionService } from '../../digest/subscriptions.js';
import type { DeliveryAdapter, DeliveryFailure } from '../../delivery/types.js';
import type { Logger } from '../../logger.js';
import { errorText, redactError, redactFields, registerSecret } from '../../redact.js';
import { SCHEDULE_HELP } from '../../scheduler/schedule.js';
import { BackgroundTasks } from '../background.js';
import type { DigestTrigger } from '../telegram/bot.js';
import { signedRequestReceiver } from './receiver.js';
import { escapeMrkdwn, renderSlack, renderSlackAlert, type SlackMessage } from './render.js';

export interface SlackOptions {
  botToken: string;
  signingSecret?: string;
  /** Socket Mode when set (xapp-…); otherwise Bolt's HTTP receiver with signature checks. */
  appToken?: string;
  /** Web API base, keeping its trailing /api/ (a fake server in tests). */
  apiUrl?: string;
  port: number;
}

/** chat.update errors meaning the alert to edit was deleted or can no longer be edited. */
const GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/** Channel errors after which posting there can never work until someone acts. */
const PERMANENT = new Set(['channel_not_found', 'not_in_channel', 'account_inactive', 'is_archived', 'invalid_auth', 'token_revoked', 'missing_scope', 'restricted_action']);

export const SLACK_HELP = `*/digest* sends this channel a short digest of the news on its topics, once per story, with the outlets that reported it.
• \`/digest subscribe [topic]\` — follow a topic (see \`/digest topics\`)
• \`/digest unsubscribe\` — stop
• \`/digest now\` — the digest now
• \`/digest schedule daily 08:00\` — ${SCHEDULE_HELP}
• \`/digest timezone Europe/Kyiv\` — the channel's time zone
• \`/digest alerts 3\` — post a story as soon as 3 outlets report it, updated in place as more join (\`skip-digest\` leaves alerted stories out of the digest; \`off\`)
• \`/digest quiet 22:00-07:00 [wait|silent]\` — quiet hours for alerts; \`/digest quiet off\`
• \`/digest filter add -word\` / \`add +word\` / \`list\` / \`clear\` — leave out stories with a word, or get only those with it
• \`/digest settings\` — what this channel gets`;

/**
 * A command's answer: acknowledged at once (Slack waits 3 s, then tells the user the command
 * failed); `followUp` is slow work whose result replaces the answer via the response URL.
 */
export interface SlackReply {
  text: string;
  followUp?: () => Promise<string>;
}

/** Slack ephemeral replies: invisible controls removed, & < > escaped (a `<!channel>` never pings). */
function replyText(text: string): string {
  return escapeMrkdwn(clip(stripInvisible(text), 3000));
}

/**
 * The Slack side: one `/digest` slash command (replies are ephemeral; the subscription belongs to
 * the channel) and the delivery adapter posting Block Kit digests.
 */
export class SlackAdapter implements DeliveryAdapter {
  readonly platform = 'slack' as const;
  /** Slack: about one message per second per channel. */
  readonly limits = { perSecond: 20, perChatIntervalMs: 1000 };
  readonly app: InstanceType<typeof App>;
  /** The port Bolt's HTTP receiver listens on (0 in the options picks a free one). */
  port: number | undefined;
  private readonly tasks: BackgroundTasks;
  private readonly chat: ChatCommands;

  constructor(
    private readonly options: SlackOptions,
    private readonly subscriptions: SubscriptionService,
    private readonly trigger: DigestTrigger,
    private readonly log: Logger,
  ) {
    registerSecret(options.botToken, options.appToken, options.signingSecret);
    this.tasks = new BackgroundTasks(log);
    this.chat = new ChatCommands(subscriptions);
    const child = log.child({ module: 'slack' });
    // Bolt's messages, formatted as console.log would (objects shown, not "[object Object]").
    const logger: BoltLogger = {
      debug: (...m: unknown[]) => child.debug(format(...m)),
      info: (...m: unknown[]) => child.info(format(...m)),
      warn: (...m: unknown[]) => child.warn(format(...m)),
      error: (...m: unknown[]) => child.error(format(...m)),
      setLevel: () => undefined,
      getLevel: () => LogLevel.WARN,
      setName: () => undefined,
    };
    this.app = new App({
      token: options.botToken,
      ...(options.appToken
        ? { socketMode: true, appToken: options.appToken, port: options.port }
        : { receiver: signedRequestReceiver({ signingSecret: options.signingSecret!, port: options.port, logger }) }),
      // The outbox owns retries and rate limits: the Web API client must report them, not hide them.
      clientOptions: { ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}), rejectRateLimitedCalls: true, retryConfig: { retries: 0 } },
      logLevel: LogLevel.WARN,
      logger,
      // The token is checked in start() (auth.test), where a rejection stops the start with a
      // clear message, instead of in the constructor, where it was an unhandled rejection.
      deferInitialization: true,
    });
    this.app.command('/digest', async ({ command, ack, respond }) => {
      const reply = await this.handle(command.channel_id, command.channel_name, command.text ?? '');
      await ack({ response_type: 'ephemeral', text: replyText(reply.text) });
      const followUp = reply.followUp;
      if (!followUp) return;
      // Acknowledged; the slow part runs after and its outcome replaces the reply.
      this.tasks.run('slack /digest', async () => {
        let outcome: string;
        try {
          outcome = await followUp();
        } catch (err) {
          this.log.error({ err: redactError(err), channel: command.channel_id }, 'slack /digest failed');
          outcome = 'Sorry, that did not work. Please try again in a few minutes.';
        }
        await respond({ response_type: 'ephemeral', replace_original: true, text: replyText(outcome) });
      });
    });
    this.app.error(async (err) => {
      this.log.error({ err: redactError(err) }, 'slack handler failed');
    });
  }

  async start(): Promise<void> {
    try {
      await this.app.init();
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
      throw Object.assign(new Error(`Slack rejected SLACK_BOT_TOKEN (${code}): check the bot token (xoxb-…) of your Slack app`), { exitCode: 1 });
    }
    const server = (await this.app.start(this.options.port)) as unknown as { address?: () => { port: number } | string | null } | undefined;
    const address = server?.address?.();
    this.port = typeof address === 'object' && address ? address.port : this.options.port;
    this.log.info(this.options.appToken ? 'slack socket mode started' : `slack commands on port ${this.options.port} (/slack/events)`);
  }

  async stop(): Promise<void> {
    await this.app.stop();
    await this.tasks.idle();
  }

  /** Resolves when the work commands started after acknowledging is done. */
  idle(): Promise<void> {
    return this.tasks.idle();
  }

  render(digest: Digest): SlackMessage[] {
    return renderSlack(digest);
  }

  renderAlert(alert: Alert): SlackMessage {
    return renderSlackAlert(alert);
  }

  /** Slack has no silent post: quiet hours in silent mode post as usual (channels notify by their own settings). */
  async send(channel: string, payload: unknown): Promise<string> {
    const msg = payload as SlackMessage;
    try {
      const res = await this.app.client.chat.postMessage({ channel, text: msg.text, blocks: msg.blocks as never, unfurl_links: false, unfurl_media: false });
      return String(res.ts);
    } catch (err) {
      throw redactError(err);
    }
  }

  async edit(channel: string, ts: string, payload: unknown): Promise<void> {
    const msg = payload as SlackMessage;
    try {
      await this.app.client.chat.update({ channel, ts, text: msg.text, blocks: msg.blocks as never });
    } catch (err) {
      throw redactError(err);
    }
  }

  /** What the outbox does about a failed send; every text in it is scrubbed (it is stored in digests.last_error). */
  classify(err: unknown): DeliveryFailure {
    return redactFields(this.classifyRaw(err));
  }

  private classifyRaw(err: unknown): DeliveryFailure {
    const e = err as { code?: string; data?: { error?: string }; retryAfter?: number; statusCode?: number; message?: string };
    if (e.code === 'slack_webapi_rate_limited_error') return { kind: 'rate-limited', retryAfterMs: (e.retryAfter ?? 1) * 1000, message: 'ratelimited' };
    if (e.code === 'slack_webapi_platform_error') {
      const code = e.data?.error ?? 'unknown_error';
      if (code === 'ratelimited') return { kind: 'rate-limited', retryAfterMs: 1000, message: code };
      if (PERMANENT.has(code)) return { kind: 'permanent', reason: code, message: code };
      if (GONE.has(code)) return { kind: 'gone', message: code };
      if (code === 'internal_error' || code === 'fatal_error' || code === 'service_unavailable' || code === 'request_timeout') return { kind: 'transient', message: code };
      return { kind: 'rejected', message: code };
    }
    return { kind: 'transient', message: errorText(err) };
  }

  /**
   * One `/digest …` command for a channel: the ephemeral reply, computed at once (subscription
   * changes are single short writes), and for `now` the digest work to do after acknowledging.
   */
  async handle(channelId: string, channelName: string | undefined, text: string): Promise<SlackReply> {
    const subs = this.subscriptions;
    const [sub = 'help', ...rest] = text.trim().split(/\s+/).filter(Boolean);
    try {
      const arg = commandArgument(rest.join(' '));
      switch (sub.toLowerCase()) {
        case 'subscribe': {
          const { subscription, topic } = await subs.subscribe('slack', channelId, arg || undefined, channelName);
          return { text: `Subscribed this channel to *${topic}*.\n${await subs.describe(subscription)}\nMake sure the bot is in the channel: \`/invite @news-digest\`.` };
        }
        case 'unsubscribe':
          return { text: (await subs.unsubscribe('slack', channelId, arg || undefined)).stopped ? 'Unsubscribed: this channel gets no more digests.' : `Removed ${arg}.` };
        case 'now': {
          const existing = (await subs.get('slack', channelId)) ?? (await subs.subscribe('slack', channelId, undefined, channelName)).subscription;
          return { text: 'Preparing the digest for this channel…', followUp: () => this.digestNow(existing.id) };
        }
        case 'schedule':
          if (!arg) throw new CommandError(`Usage: /digest schedule daily 08:00 (or ${SCHEDULE_HELP})`);
          return { text: `Schedule set.\n${await subs.describe(await subs.setSchedule('slack', channelId, arg))}` };
        case 'timezone':
          if (!arg) throw new CommandError('Usage: /digest timezone Area/City, e.g. /digest timezone Europe/Kyiv');
          return { text: `Time zone set.\n${await subs.describe(await subs.setTimezone('slack', channelId, arg))}` };
        case 'settings': {
          const s = await subs.get('slack', channelId);
          return { text: s ? await subs.describe(s) : 'This channel has no subscription yet: `/digest subscribe`.' };
        }
        case 'alerts':
          return { text: await this.chat.alerts('slack', channelId, arg) };
        case 'quiet':
          return { text: await this.chat.quiet('slack', channelId, arg) };
        case 'filter':
        case 'filters':
          return { text: await this.chat.filter('slack', channelId, arg) };
        case 'topics':
          return { text: subs.topics().map((t) => `• *${t.id}* — ${t.name}`).join('\n') };
        case 'help':
          return { text: SLACK_HELP };
        default:
          return { text: `Unknown subcommand "${clip(sub, 40)}". Usage: /digest subscribe|unsubscribe|now|schedule|timezone|alerts|quiet|filter|settings|topics|help, e.g. /digest subscribe` };
      }
    } catch (err) {
      if (err instanceof CommandError) return { text: err.message };
      // Still answered: an unanswered command shows the user a bare "failed" after 3 s.
      this.log.error({ err: redactError(err), channel: channelId }, 'slack command failed');
      return { text: 'Sorry, that did not work. Please try again in a few minutes.' };
    }
  }

  /** `/digest now` after the acknowledgement: builds and sends the digest, returns what to tell the user. */
  private async digestNow(subscriptionId: number): Promise<string> {
    const { stories, sent } = await this.trigger.digestNow(subscriptionId);
    const after = (await this.subscriptions.byId(subscriptionId))!;
    if (!after.active && after.stopReason === 'not_in_channel') {
      return 'I am not in this channel, so I cannot post the digest. Invite me with `/invite @news-digest`, then `/digest subscribe` again.';
    }
    if (!stories) return 'Nothing new on this channel’s topics since the last digest.';
    return sent ? `Posted the digest: ${stories} ${stories === 1 ? 'story' : 'stories'}.` : `The digest (${stories} stories) is queued and will be posted shortly.`;
  }
}
