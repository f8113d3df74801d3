import { ArticleRepo } from '../db/articles.js';
import { StoryRepo } from '../db/stories.js';
import { TopicDecisionRepo } from '../db/topics.js';
import { canonicalUrl } from '../ingest/canonical-url.js';
import type { RuleHit, RuleMiss } from '../topics/matcher.js';
import { UsageError, iso, type CommandContext } from './context.js';

interface Evidence {
  probability?: number;
  contributions?: { feature: string; value: number; contribution: number }[];
  merged?: { from: number; probability: number };
}

/** The comparison features in words (src/stories/pair-features.ts). */
const FEATURE_WORDS: Record<string, string> = {
  titleCentroid: 'headline close to the headlines of the story’s first reports',
  textCentroid: 'text close to the story’s first reports',
  headShared: 'headline opens with the same words',
  sameActor: 'same actor named first in the headline',
  otherActor: 'another actor named first in the headline',
  namesShared: 'names, places and figures the story has',
  storyNamesCovered: 'names the story’s reports share',
  figureShared: 'a figure in common',
  figureOnlyOther: 'other figures than the story’s',
  storySize: 'size of the story',
  sameSource: 'same outlet as a report of the story',
  textLocal: 'text close, counting words rare in the hours around it',
  titleLocal: 'headline close, counting words rare in the hours around it',
  textGap: 'lead over the next-closest story',
  daysFromFirst: 'time since the story’s first report',
  daysFromSpan: 'time outside the story’s span',
  within12h: 'within 12 hours of the first report',
  within2d: 'within 2 days of the first report',
  textSoon: 'close text within hours of the first report',
  titleSoon: 'close headline within hours of the first report',
};

/** `explain <article id or URL>`: the topic rule hits and the story assignment, in words. */
export async function explainCommand(ctx: CommandContext): Promise<number> {
  const [ref, ...rest] = ctx.args;
  if (!ref || rest.length) throw new UsageError('explain: expects one article id or URL, e.g. explain 12 or explain https://kyivindependent.com/…');
  const repo = new ArticleRepo(ctx.app.db);
  const article = /^\d+$/.test(ref) ? repo.get(Number(ref)) : repo.byUrl(canonicalUrl(ref));
  if (!article) throw new UsageError(`explain: no article ${/^\d+$/.test(ref) ? `with id ${ref}` : `with URL ${ref}`} (see: articles)`);
  const decisions = new TopicDecisionRepo(ctx.app.db).forArticle(article.id);
  const stories = new StoryRepo(ctx.app.db);
  const memberships = stories.membershipsOf(article.id).map((m) => ({ ...m, evidence: m.evidence ? (JSON.parse(m.evidence) as Evidence) : null }));
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
      first: 'opened this story (no active story reports the same event)',
      'same-title': 'joined because another article of the story has the same title',
      'near-copy': 'joined as a near-identical copy of an article of the story',
      similar: `joined: the model puts the probability that it reports this story's event at ${m.similarity}`,
    };
    ctx.out(`Story #${m.story_id} [${m.topic_id}] "${m.title}" (${m.article_count} articles): ${how[m.reason] ?? m.reason}`);
    for (const c of m.evidence?.contributions ?? []) ctx.out(`   ${c.contribution >= 0 ? '+' : '−'} ${Math.abs(c.contribution).toFixed(2)}  ${FEATURE_WORDS[c.feature] ?? c.feature} (${c.value})`);
    if (m.evidence?.merged) ctx.out(`   then story #${m.evidence.merged.from} was folded into it: the two report one event (probability ${m.evidence.merged.probability})`);
    if (m.thread_id !== null) {
      const earlier = stories.earlierInThread(m.story_id, 1)[0];
      if (earlier) ctx.out(`   follows up story #${earlier.id} "${earlier.title}" (same thread)`);
    }
  }
  return 0;
}
