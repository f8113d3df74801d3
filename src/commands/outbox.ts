import { OutboxRepo, type UndeliveredDigest } from '../db/outbox.js';
import { UsageError, iso, type CommandContext } from './context.js';

const USAGE = 'usage: outbox [list] [--json] | outbox resend <digest id>... | outbox resend --all';

/**
 * `outbox`: the digests not delivered (dead after retrying for delivery.retryFor, failed, or
 * waiting for a send or a retry), and `outbox resend` to queue dead or failed ones again.
 */
export async function outboxCommand(ctx: CommandContext): Promise<number> {
  const [sub = 'list', ...rest] = ctx.args;
  const repo = new OutboxRepo(ctx.app.db);
  if (sub === 'list' && !rest.length) return list(ctx, repo);
  if (sub === 'resend') return resend(ctx, repo, rest);
  throw new UsageError(USAGE);
}

function state(d: UndeliveredDigest): string {
  if (d.status === 'pending') return d.attempts > 0 || d.lastError ? 'RETRYING' : 'PENDING';
  return d.status.toUpperCase();
}

async function list(ctx: CommandContext, repo: OutboxRepo): Promise<number> {
  const digests = await repo.undelivered();
  if (ctx.options.json) {
    ctx.out(JSON.stringify(digests.map((d) => ({ ...d, createdAt: iso(d.createdAt), nextAttemptAt: iso(d.nextAttemptAt), failingSince: iso(d.failingSince), deadAt: iso(d.deadAt) })), null, 2));
    return 0;
  }
  if (!digests.length) {
    ctx.out('every digest has been delivered');
    return 0;
  }
  for (const d of digests) {
    // Alerts and their edits share the outbox with digests; say which one a line is.
    const facts = [`${d.kind === 'digest' ? '' : `${d.kind} of story ${d.storyId}, `}built ${iso(d.createdAt)}`];
    if (d.attempts) facts.push(`${d.attempts} failed attempt${d.attempts === 1 ? '' : 's'}`);
    if (d.partsSent) facts.push(`${d.partsSent} of ${d.parts} parts sent`);
    if (d.resends) facts.push(`${d.resends} part${d.resends === 1 ? '' : 's'} sent again after a crash mid-send (possible duplicate)`);
    if (d.status === 'dead') facts.push(`given up ${iso(d.deadAt)}`);
    else if (d.status === 'pending') facts.push(`next try ${iso(d.nextAttemptAt)}`);
    if (!d.subscriptionActive) facts.push(`subscription stopped${d.stopReason ? `: ${d.stopReason}` : ''}`);
    const chat = `${d.platform}:${d.chatId}${d.chatTitle ? ` (${d.chatTitle})` : ''}`;
    ctx.out(`${String(d.id).padStart(5)}  ${state(d).padEnd(8)}  ${chat}  ${facts.join(', ')}${d.lastError ? `: ${d.lastError}` : ''}`);
  }
  if (digests.some((d) => d.status === 'dead' || d.status === 'failed')) {
    ctx.out('send again: npm run cli -- outbox resend <id> (a dead or failed digest), or outbox resend --all (every dead digest)');
  }
  return 0;
}

async function resend(ctx: CommandContext, repo: OutboxRepo, args: string[]): Promise<number> {
  // `--all` is parsed by cli.ts for this command only.
  const all = ctx.options.all === true;
  if (all === (args.length > 0)) throw new UsageError(USAGE);
  const undelivered = new Map((await repo.undelivered()).map((d) => [d.id, d]));
  let chosen: UndeliveredDigest[];
  if (all) {
    chosen = [...undelivered.values()].filter((d) => d.status === 'dead' && d.subscriptionActive);
    const skipped = [...undelivered.values()].filter((d) => d.status === 'dead' && !d.subscriptionActive).length;
    if (skipped) ctx.out(`skipped ${skipped} dead digest${skipped === 1 ? '' : 's'} of stopped subscriptions`);
  } else {
    chosen = args.map((arg) => {
      const id = Number(arg);
      const d = Number.isInteger(id) ? undelivered.get(id) : undefined;
      if (!Number.isInteger(id)) throw new UsageError(`outbox resend: "${arg}" is not a digest id (see npm run cli -- outbox)`);
      if (!d) throw new UsageError(`outbox resend: digest ${id} does not exist or was delivered`);
      if (d.status !== 'dead' && d.status !== 'failed') throw new UsageError(`outbox resend: digest ${id} is ${d.status}, not dead or failed: it is sent without help`);
      if (!d.subscriptionActive) {
        throw new UsageError(`outbox resend: the subscription of digest ${id} (${d.platform}:${d.chatId}) is stopped${d.stopReason ? ` (${d.stopReason})` : ''}; it must subscribe again first`);
      }
      return d;
    });
  }
  const now = ctx.app.clock();
  const queued = await repo.transaction(async (tx) => {
    const done: UndeliveredDigest[] = [];
    for (const d of chosen) if (await tx.requeue(d.id, now)) done.push(d);
    return done;
  });
  if (!queued.length) ctx.out(all ? 'no dead digests to send again' : 'nothing queued');
  for (const d of queued) ctx.out(`digest ${d.id} (${d.platform}:${d.chatId}) queued again`);
  if (queued.length) ctx.out('the running worker sends them at its next outbox run (every 15 s)');
  return 0;
}
