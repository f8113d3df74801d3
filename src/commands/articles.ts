import { ArticleRepo } from '../db/articles.js';
import { UsageError, checkTopic, iso, localTime, parseLimit, sourceName, type CommandContext } from './context.js';

export interface ArticleJson {
  id: number;
  url: string;
  title: string;
  source: string;
  publishedAt: string;
  topics: { id: string; score: number }[];
  storyId: number | null;
}

/** `articles [--topic ID] [--limit N] [--json]`: newest first, with their topic decisions and story. */
export async function articlesCommand(ctx: CommandContext): Promise<number> {
  if (ctx.args.length) throw new UsageError(`articles: unexpected argument "${ctx.args[0]}"; usage: articles [--topic ID] [--limit N] [--json]`);
  const topic = checkTopic(ctx, 'articles');
  const limit = parseLimit(ctx.options.limit, 'articles');
  const rows = await new ArticleRepo(ctx.app.db).listing({ topicId: topic, limit });
  const items: ArticleJson[] = rows.map((r) => ({
    id: r.id,
    url: r.url,
    title: r.title,
    source: sourceName(r.feed_title, r.url),
    publishedAt: iso(r.published_at)!,
    topics: r.topics.map((t) => ({ id: t.id, score: Math.round(t.score * 100) / 100 })),
    storyId: r.storyId,
  }));
  if (ctx.options.json) {
    ctx.out(JSON.stringify(items, null, 2));
    return 0;
  }
  if (!items.length) ctx.out('no articles yet; run: npm run cli -- poll');
  const zone = ctx.app.config.digest.timezone;
  if (items.length) ctx.out(`times in ${zone} (the config's digest.timezone)`);
  for (const a of items) {
    const tags = a.topics.map((t) => `${t.id} ${t.score}`).join(', ');
    ctx.out(`#${a.id}  ${localTime(Date.parse(a.publishedAt), zone)}  ${a.source}  ${a.title}`);
    ctx.out(`      ${a.url}${tags ? `  [${tags}]` : ''}${a.storyId ? `  story #${a.storyId}` : ''}`);
  }
  return 0;
}
