import type { CommandContext } from './context.js';
import type { PollReport } from '../pipeline.js';
import { describeSkipped } from '../ingest/poller.js';

export async function pollCommand(ctx: CommandContext): Promise<number> {
  const report = await ctx.app.pipeline.poll();
  if (ctx.options.json) ctx.out(JSON.stringify(report, null, 2));
  else for (const line of formatPollReport(report)) ctx.out(line);
  return 0;
}

/** "1 item", "2 items". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function formatPollReport(report: PollReport): string[] {
  const lines: string[] = [];
  for (const r of report.feeds) {
    const name = r.title ? `${r.title} <${r.url}>` : r.url;
    if (r.status === 'error') lines.push(`✗ ${name}: ${r.errorKind}: ${r.error}`);
    else if (r.status === 'not-modified') lines.push(`= ${name}: not modified (304)`);
    else if (r.status === 'ok') lines.push(`✓ ${name}: ${plural(r.items, 'item')}, ${r.newIds.length} new, ${r.updatedIds.length} updated${r.repaired ? ' (XML repaired)' : ''}${r.skipped ? `; ${describeSkipped(r.skipped)}` : ''}`);
    else if (r.status === 'skipped' && r.error) lines.push(`- ${name}: not polled: ${r.error}`);
  }
  const ok = report.feeds.length - report.failedFeeds;
  lines.push(`${plural(report.feeds.length, 'feed')} polled (${ok} ok, ${report.failedFeeds} failed): ${plural(report.newArticles, 'new article')}, ${report.updatedArticles} updated, in ${(report.durationMs / 1000).toFixed(1)} s`);
  lines.push(`${report.relevantArticles} on topic${report.pagesFetched ? ` (${plural(report.pagesFetched, 'page')} fetched)` : ''}: ${plural(report.newStories, 'new story', 'new stories')}, ${plural(report.updatedStories, 'updated story', 'updated stories')}`);
  if (report.processedArticles !== report.newArticles + report.updatedArticles) lines.push(`${plural(report.processedArticles, 'article')} processed (including those left by an earlier run)`);
  if (report.pendingArticles) lines.push(`${plural(report.pendingArticles, 'article')} ${report.pendingArticles === 1 ? 'waits' : 'wait'} for a page or the database: the next poll processes ${report.pendingArticles === 1 ? 'it' : 'them'}`);
  return lines;
}
