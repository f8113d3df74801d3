import { ArticleRepo } from '../db/articles.js';
import { TopicDecisionRepo } from '../db/topics.js';
import { canonicalUrl } from '../ingest/canonical-url.js';
import type { RuleHit, RuleMiss } from '../topics/matcher.js';
import { UsageError, iso, type CommandContext } from './context.js';

/** `explain <article id or URL>`: the topic rule hits and the story assignment, in words. */
export async function explainCommand(ctx: CommandContext): Promise<number> {
  const [ref, ...rest] = ctx.args;
  if (!ref || rest.length) throw new UsageError('explain: expects one article id or URL, e.g. explain 12 or explain https://kyivindependent.com/…');
  const repo = new ArticleRepo(ctx.app.db);
  const article = /^\d+$/.test(ref) ? repo.get(Number(ref)) : repo.byUrl(canonicalUrl(ref));
  if (!article) throw new UsageError(`explain: no article ${/^\d+$/.test(ref) ? `with id ${ref}` : `with URL ${ref}`} (see: articles)`);
  const decisions = new TopicDecisionRepo(ctx.app.db).forArticle(article.id);
  const memberships = ctx.app.db
    .prepare(`SELECT sa.story_id, sa.similarity, sa.reason, s.topic_id, s.title, s.article_count FROM story_articles sa JOIN stories s ON s.id = sa.story_id WHERE sa.article_id = ?`)
    .all(article.id) as { story_id: number; similarity: number; reason: string; topic_id: string; title: string; article_count: number }[];
  if (ctx.options.json) {
    ctx.out(JSON.stringify({ id: article.id, url: article.url, title: article.title, publishedAt: iso(article.published_at), topics: decisions, stories: memberships }, null, 2));
    return 0;
  }
  ctx.out(`#${article.id} ${article.title}`);
  ctx.out(`   ${article.url} · published ${iso(article.published_at)}`);
  if (!decisions.length) ctx.out('   not yet judged against any topic (run: poll)');
  for (const d of decisions) {
    ctx.out('');
    ctx.out(`Topic ${d.topicId}: ${d.relevant ? 'RELEVANT' : 'not relevant'}, score ${d.score} (threshold ${d.hits.threshold})`);
    for (const h of d.hits.hits as RuleHit[]) ctx.out(`   + ${h.points}  ${h.group}: "${h.term}" in the ${h.field}`);
    for (const m of d.hits.misses as RuleMiss[]) ctx.out(`   · 0  ${m.group}: "${m.term}" in the ${m.field} did not count (${m.reason})`);
    if (!d.hits.hits.length && !d.hits.misses.length) ctx.out('   no rule term found');
  }
  for (const m of memberships) {
    ctx.out('');
    const how: Record<string, string> = {
      first: 'opened this story (nothing similar was active)',
      'same-title': 'joined because another article of the story has the same title',
      'near-copy': 'joined as a near-identical copy of an article of the story',
      similar: `joined as the most similar active story (similarity ${m.similarity}, threshold ${ctx.app.config.stories.threshold})`,
    };
    ctx.out(`Story #${m.story_id} [${m.topic_id}] "${m.title}" (${m.article_count} articles): ${how[m.reason] ?? m.reason}`);
  }
  return 0;
}
