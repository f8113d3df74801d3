import type { CommandContext } from './context.js';
import type { PollReport } from '../pipeline.js';
import type { FeedPollResult } from '../ingest/poller.js';
import { describeSkipped } from '../ingest/poller.js';

/**
 * `poll`: every feed once, then processing. Each feed's line is printed as it finishes (with
 * "[done/total]" on a terminal), so a slow feed shows as the one still running; the totals follow.
 */
export async function pollCommand(ctx: CommandContext): Promise<number> {
  const tty = !ctx.options.json && process.stdout.isTTY === true;
  const onFeed = ctx.options.json ? undefined : (r: FeedPollResult, done: number, total: number) => {
    const line = feedLine(r);
    if (line) ctx.out(tty ? `[${done}/${total}] ${line}` : line);
  };
  const report = await ctx.app.pipeline.poll(undefined, onFeed ? { onFeed } : {});
  if (ctx.options.json) ctx.out(JSON.stringify(report, null, 2));
  else for (const line of formatPollReport(report).slice(report.feeds.filter((r) => feedLine(r)).length)) ctx.out(line);
  return 0;
}

/** One feed's result as a line (none for a feed not polled without a reason). */
function feedLine(r: FeedPollResult): string | undefined {
  const name = r.title ? `${r.title} <${r.url}>` : r.url;
  if (r.status === 'error') return `✗ ${name}: ${r.errorKind}: ${r.error}`;
  if (r.status === 'not-modified') return `= ${name}: not modified (304)`;
  if (r.status === 'ok') return `✓ ${name}: ${plural(r.items, 'item')}, ${r.newIds.length} new, ${r.updatedIds.length} updated${r.repaired ? ' (XML repaired)' : ''}${r.skipped ? `; ${describeSkipped(r.skipped)}` : ''}`;
  if (r.status === 'skipped' && r.error) return `- ${name}: not polled: ${r.error}`;
  return undefined;
}

/** "1 item", "2 items". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function formatPollReport(report: PollReport): string[] {
  const lines: string[] = [];
  for (const r of report.feeds) {
    const line = feedLine(r);
    if (line) lines.push(line);
  }
  const ok = report.feeds.length - report.failedFeeds;
  lines.push(`${plural(report.feeds.length, 'feed')} polled (${ok} ok, ${report.failedFeeds} failed): ${plural(report.newArticles, 'new article')}, ${report.updatedArticles} updated, in ${(report.durationMs / 1000).toFixed(1)} s`);
  lines.push(`${report.relevantArticles} on topic${report.pagesFetched ? ` (${plural(report.pagesFetched, 'page')} fetched)` : ''}: ${plural(report.newStories, 'new story', 'new stories')}, ${plural(report.updatedStories, 'updated story', 'updated stories')}`);
  if (report.processedArticles !== report.newArticles + report.updatedArticles) lines.push(`${plural(report.processedArticles, 'article')} processed (including those left by an earlier run)`);
  if (report.pendingArticles) lines.push(`${plural(report.pendingArticles, 'article')} ${report.pendingArticles === 1 ? 'waits' : 'wait'} for a page or the database: the next poll processes ${report.pendingArticles === 1 ? 'it' : 'them'}`);
  return lines;
}
