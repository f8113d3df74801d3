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
  const { db } = ctx.app;
  const topic = checkTopic(ctx, 'articles');
  const limit = parseLimit(ctx.options.limit, 'articles');
  const rows = db
    .prepare(
      `SELECT a.id, a.url, a.title, a.published_at, f.title AS feed_title FROM articles a JOIN feeds f ON f.id = a.feed_id
       ${topic ? 'WHERE a.id IN (SELECT article_id FROM article_topics WHERE topic_id = @topic AND relevant = 1)' : ''}
       ORDER BY a.published_at DESC, a.id DESC LIMIT @limit`,
    )
    .all({ ...(topic ? { topic } : {}), limit: limit ?? -1 }) as { id: number; url: string; title: string; published_at: number; feed_title: string | null }[];
  const topicsOf = db.prepare('SELECT topic_id AS id, score FROM article_topics WHERE article_id = ? AND relevant = 1 ORDER BY score DESC');
  const storyOf = db.prepare('SELECT story_id FROM story_articles WHERE article_id = ? ORDER BY story_id LIMIT 1').pluck();
  const items: ArticleJson[] = rows.map((r) => ({
    id: r.id,
    url: r.url,
    title: r.title,
    source: sourceName(r.feed_title, r.url),
    publishedAt: iso(r.published_at)!,
    topics: (topicsOf.all(r.id) as { id: string; score: number }[]).map((t) => ({ id: t.id, score: Math.round(t.score * 100) / 100 })),
    storyId: (storyOf.get(r.id) as number | undefined) ?? null,
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
