import { OutboxRepo } from '../db/outbox.js';
import { UsageError, iso, localTime, type CommandContext } from './context.js';

/** `subscriptions list [--json]`: every chat and channel, its settings and delivery state. */
export async function subscriptionsCommand(ctx: CommandContext): Promise<number> {
  const [sub = 'list', ...rest] = ctx.args;
  if (sub !== 'list' || rest.length) throw new UsageError('usage: subscriptions list [--json]');
  const subs = await ctx.app.delivery.subscriptions.list();
  const dead = await new OutboxRepo(ctx.app.db).deadCounts();
  if (ctx.options.json) {
    ctx.out(JSON.stringify(subs.map((s) => ({ ...s, lastDigestAt: iso(s.lastDigestAt), nextDueAt: iso(s.nextDueAt), createdAt: iso(s.createdAt), deadDigests: dead.get(s.id) ?? 0 })), null, 2));
    return 0;
  }
  if (!subs.length) ctx.out('no subscriptions yet: send /start to the Telegram bot or /digest subscribe in Slack');
  for (const s of subs) {
    // Times in the subscriber's own zone, as its schedule is written.
    const state = s.active ? `next ${s.nextDueAt === null ? 'never (off)' : `${localTime(s.nextDueAt, s.timezone)} ${s.timezone}`}` : `STOPPED${s.stopReason ? `: ${s.stopReason}` : ''}`;
    const n = dead.get(s.id);
    const undelivered = n ? `  ${n} DEAD digest${n === 1 ? '' : 's'} (npm run cli -- outbox)` : '';
    ctx.out(`${String(s.id).padStart(4)}  ${s.platform}:${s.chatId}${s.chatTitle ? ` (${s.chatTitle})` : ''}  [${s.topics.join(', ')}]  ${s.schedule} ${s.timezone}, max ${s.maxStories}${s.alertThreshold !== null ? `, alerts at ${s.alertThreshold} outlets` : ''}${s.quiet ? `, quiet ${s.quiet.start}-${s.quiet.end} ${s.quiet.mode}` : ''}  ${state}${undelivered}`);
  }
  return 0;
}
