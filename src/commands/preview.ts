import { buildDigest } from '../digest/build.js';
import type { Platform, Subscription } from '../digest/subscriptions.js';
import { renderText } from '../adapters/console/render.js';
import { renderTelegram } from '../adapters/telegram/render.js';
import { renderSlack } from '../adapters/slack/render.js';
import { UsageError, checkTopic, type CommandContext } from './context.js';

const USAGE = 'usage: preview [--chat PLATFORM:ID | --topic ID] [--format text|telegram|slack] [--json], e.g. preview --chat telegram:123456 --format telegram';

/** `preview`: the digest a subscriber would get now, rendered for a platform; sends nothing. */
export async function previewCommand(ctx: CommandContext): Promise<number> {
  if (ctx.args.length) throw new UsageError(`preview: unexpected argument "${ctx.args[0]}"; ${USAGE}`);
  const { config, db, delivery, clock, pipeline } = ctx.app;
  const format = ctx.options.format ?? 'text';
  if (!['text', 'telegram', 'slack'].includes(format)) throw new UsageError(`preview: --format must be text, telegram or slack; got "${format}"`);
  if (ctx.options.chat && ctx.options.topic) throw new UsageError(`preview: give --chat or --topic, not both; ${USAGE}`);
  let sub: Subscription;
  if (ctx.options.chat) {
    const m = /^(telegram|slack|console):(.+)$/.exec(ctx.options.chat);
    if (!m) throw new UsageError(`preview: --chat expects PLATFORM:ID (telegram, slack or console), e.g. --chat telegram:123456; got "${ctx.options.chat}"`);
    const found = await delivery.subscriptions.get(m[1] as Platform, m[2]!);
    if (!found) throw new UsageError(`preview: no subscription for ${ctx.options.chat} (see: subscriptions list)`);
    sub = found;
  } else {
    // A new subscriber to the topic: what /start followed by /digest would show.
    const topic = checkTopic(ctx, 'preview') ?? config.topics[0]!.id;
    const now = clock();
    sub = { id: 0, platform: 'console', chatId: 'preview', chatTitle: null, topics: [topic], schedule: config.digest.schedule, timezone: config.digest.timezone, maxStories: config.digest.maxStories, active: true, stopReason: null, lastDigestAt: null, nextDueAt: null, createdAt: now, alertThreshold: null, alertSkipDigest: false, alertsSince: null, quiet: null };
  }
  const now = clock();
  const digest = await buildDigest(db, config, sub, now, now, { idf: (tx) => pipeline.idf(tx) });
  if (ctx.options.json) {
    // The platform-neutral digest (what the outbox stores), and the messages it renders to.
    const messages = format === 'telegram' ? renderTelegram(digest) : format === 'slack' ? renderSlack(digest) : [renderText(digest).trimEnd()];
    ctx.out(JSON.stringify({ digest, format, messages }, null, 2));
    return 0;
  }
  if (format === 'text') ctx.out(renderText(digest).trimEnd());
  else if (format === 'telegram') renderTelegram(digest).forEach((m, i, all) => ctx.out(`${all.length > 1 ? `--- message ${i + 1}/${all.length} (${m.length} chars)\n` : ''}${m}`));
  else ctx.out(JSON.stringify(renderSlack(digest), null, 2));
  return 0;
}
