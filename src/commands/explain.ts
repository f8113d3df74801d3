import { ArticleRepo } from '../db/articles.js';
import { StoryRepo } from '../db/stories.js';
import { TopicDecisionRepo } from '../db/topics.js';
import { canonicalUrl } from '../ingest/canonical-url.js';
import type { RuleHit, RuleMiss } from '../topics/matcher.js';
import { FEATURE_WORDS, parseEvidence, reasonText } from '../stories/explain-words.js';
import { UsageError, iso, type CommandContext } from './context.js';

/** `explain <article id or URL>`: the topic rule hits and the story assignment, in words. */
export async function explainCommand(ctx: CommandContext): Promise<number> {
  const [ref, ...rest] = ctx.args;
  if (!ref || rest.length) throw new UsageError('explain: expects one article id or URL, e.g. explain 12 or explain https://kyivindependent.com/…');
  const repo = new ArticleRepo(ctx.app.db);
  const article = /^\d+$/.test(ref) ? await repo.get(Number(ref)) : await repo.byUrl(canonicalUrl(ref));
  if (!article) throw new UsageError(`explain: no article ${/^\d+$/.test(ref) ? `with id ${ref}` : `with URL ${ref}`} (see: articles)`);
  const decisions = await new TopicDecisionRepo(ctx.app.db).forArticle(article.id);
  const stories = new StoryRepo(ctx.app.db);
  const memberships = (await stories.membershipsOf(article.id)).map((m) => ({ ...m, evidence: parseEvidence(m.evidence) }));
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
    ctx.out(`Story #${m.story_id} [${m.topic_id}] "${m.title}" (${m.article_count} articles): ${reasonText(m.reason, m.similarity)}`);
    for (const c of m.evidence?.contributions ?? []) ctx.out(`   ${c.contribution >= 0 ? '+' : '−'} ${Math.abs(c.contribution).toFixed(2)}  ${FEATURE_WORDS[c.feature] ?? c.feature} (${c.value})`);
    if (m.evidence?.merged) ctx.out(`   then story #${m.evidence.merged.from} was folded into it: the two report one event (probability ${m.evidence.merged.probability})`);
    if (m.thread_id !== null) {
      const earlier = (await stories.earlierInThread(m.story_id, 1))[0];
      if (earlier) ctx.out(`   follows up story #${earlier.id} "${earlier.title}" (same thread)`);
    }
  }
  return 0;
}
