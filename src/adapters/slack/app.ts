import { App, LogLevel } from '@slack/bolt';
import type { Digest } from '../../digest/model.js';
import { CommandError, type SubscriptionService } from '../../digest/subscriptions.js';
import type { DeliveryAdapter, DeliveryFailure } from '../../delivery/types.js';
import type { Logger } from '../../logger.js';
import { SCHEDULE_HELP } from '../../scheduler/schedule.js';
import type { DigestTrigger } from '../telegram/bot.js';
import { renderSlack, type SlackMessage } from './render.js';

export interface SlackOptions {
  botToken: string;
  signingSecret?: string;
  /** Socket Mode when set (xapp-…); otherwise Bolt's HTTP receiver with signature checks. */
  appToken?: string;
  /** Web API base, keeping its trailing /api/ (a fake server in tests). */
  apiUrl?: string;
  port: number;
}

/** Channel errors after which posting there can never work until someone acts. */
const PERMANENT = new Set(['channel_not_found', 'not_in_channel', 'account_inactive', 'is_archived', 'invalid_auth', 'token_revoked', 'missing_scope', 'restricted_action']);

export const SLACK_HELP = `*/digest* sends this channel a short digest of the news on its topics, once per story, with the outlets that reported it.
• \`/digest subscribe [topic]\` — follow a topic (see \`/digest topics\`)
• \`/digest unsubscribe\` — stop
• \`/digest now\` — the digest now
• \`/digest schedule daily 08:00\` — ${SCHEDULE_HELP}
• \`/digest timezone Europe/Kyiv\` — the channel's time zone
• \`/digest settings\` — what this channel gets`;

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

  constructor(
    private readonly options: SlackOptions,
    private readonly subscriptions: SubscriptionService,
    private readonly trigger: DigestTrigger,
    private readonly log: Logger,
  ) {
    const child = log.child({ module: 'slack' });
    this.app = new App({
      token: options.botToken,
      ...(options.appToken ? { socketMode: true, appToken: options.appToken } : { signingSecret: options.signingSecret! }),
      port: options.port,
      // The outbox owns retries and rate limits: the Web API client must report them, not hide them.
      clientOptions: { ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}), rejectRateLimitedCalls: true, retryConfig: { retries: 0 } },
      logLevel: LogLevel.WARN,
      logger: {
        debug: (...m: unknown[]) => child.debug(m.join(' ')),
        info: (...m: unknown[]) => child.info(m.join(' ')),
        warn: (...m: unknown[]) => child.warn(m.join(' ')),
        error: (...m: unknown[]) => child.error(m.join(' ')),
        setLevel: () => undefined,
        getLevel: () => LogLevel.WARN,
        setName: () => undefined,
      },
    });
    this.app.command('/digest', async ({ command, ack }) => {
      const text = await this.handle(command.channel_id, command.channel_name, command.text ?? '');
      await ack({ response_type: 'ephemeral', text });
    });
    this.app.error(async (err) => {
      this.log.error({ err }, 'slack handler failed');
    });
  }

  async start(): Promise<void> {
    const server = (await this.app.start(this.options.port)) as unknown as { address?: () => { port: number } | string | null } | undefined;
    const address = server?.address?.();
    this.port = typeof address === 'object' && address ? address.port : this.options.port;
    this.log.info(this.options.appToken ? 'slack socket mode started' : `slack commands on port ${this.options.port} (/slack/events)`);
  }

  async stop(): Promise<void> {
    await this.app.stop();
  }

  render(digest: Digest): SlackMessage[] {
    return renderSlack(digest);
  }

  async send(channel: string, payload: unknown): Promise<string> {
    const msg = payload as SlackMessage;
    const res = await this.app.client.chat.postMessage({ channel, text: msg.text, blocks: msg.blocks as never, unfurl_links: false, unfurl_media: false });
    return String(res.ts);
  }

  classify(err: unknown): DeliveryFailure {
    const e = err as { code?: string; data?: { error?: string }; retryAfter?: number; statusCode?: number; message?: string };
    if (e.code === 'slack_webapi_rate_limited_error') return { kind: 'rate-limited', retryAfterMs: (e.retryAfter ?? 1) * 1000, message: 'ratelimited' };
    if (e.code === 'slack_webapi_platform_error') {
      const code = e.data?.error ?? 'unknown_error';
      if (code === 'ratelimited') return { kind: 'rate-limited', retryAfterMs: 1000, message: code };
      if (PERMANENT.has(code)) return { kind: 'permanent', reason: code, message: code };
      if (code === 'internal_error' || code === 'fatal_error' || code === 'service_unavailable' || code === 'request_timeout') return { kind: 'transient', message: code };
      return { kind: 'rejected', message: code };
    }
    return { kind: 'transient', message: e.message ?? String(err) };
  }

  /** One `/digest …` command for a channel; returns the ephemeral reply. */
  async handle(channelId: string, channelName: string | undefined, text: string): Promise<string> {
    const subs = this.subscriptions;
    const [sub = 'help', ...rest] = text.trim().split(/\s+/).filter(Boolean);
    const arg = rest.join(' ');
    try {
      switch (sub.toLowerCase()) {
        case 'subscribe': {
          const { subscription, topic } = subs.subscribe('slack', channelId, arg || undefined, channelName);
          return `Subscribed this channel to *${topic}*.\n${subs.describe(subscription)}\nMake sure the bot is in the channel: \`/invite @news-digest\`.`;
        }
        case 'unsubscribe':
          return subs.unsubscribe('slack', channelId, arg || undefined).stopped ? 'Unsubscribed: this channel gets no more digests.' : `Removed ${arg}.`;
        case 'now': {
          const existing = subs.get('slack', channelId) ?? subs.subscribe('slack', channelId, undefined, channelName).subscription;
          const { stories, sent } = await this.trigger.digestNow(existing.id);
          const after = subs.byId(existing.id)!;
          if (!after.active && after.stopReason === 'not_in_channel') {
            return 'I am not in this channel, so I cannot post the digest. Invite me with `/invite @news-digest`, then `/digest subscribe` again.';
          }
          if (!stories) return 'Nothing new on this channel’s topics since the last digest.';
          return sent ? `Posted the digest: ${stories} ${stories === 1 ? 'story' : 'stories'}.` : `The digest (${stories} stories) is queued and will be posted shortly.`;
        }
        case 'schedule':
          if (!arg) throw new CommandError(`Usage: /digest schedule daily 08:00 (or ${SCHEDULE_HELP})`);
          return `Schedule set.\n${subs.describe(subs.setSchedule('slack', channelId, arg))}`;
        case 'timezone':
          if (!arg) throw new CommandError('Usage: /digest timezone Area/City, e.g. /digest timezone Europe/Kyiv');
          return `Time zone set.\n${subs.describe(subs.setTimezone('slack', channelId, arg))}`;
        case 'settings': {
          const s = subs.get('slack', channelId);
          return s ? subs.describe(s) : 'This channel has no subscription yet: `/digest subscribe`.';
        }
        case 'topics':
          return subs.topics().map((t) => `• *${t.id}* — ${t.name}`).join('\n');
        case 'help':
          return SLACK_HELP;
        default:
          return `Unknown subcommand "${sub}". Usage: /digest subscribe|unsubscribe|now|schedule|timezone|settings|topics|help, e.g. /digest subscribe`;
      }
    } catch (err) {
      if (err instanceof CommandError) return err.message;
      throw err;
    }
  }
}
