import { StoryRepo } from '../db/stories.js';
import { UsageError, checkTopic, iso, localTime, parseLimit, sourceName, type CommandContext } from './context.js';

export interface StoryJson {
  id: number;
  topic: string;
  title: string;
  summary: string;
  firstSeen: string;
  updatedAt: string;
  /** The thread (coverage of one subject across events); stories of one thread follow each other up. */
  threadId: number | null;
  /** The latest earlier story of the same thread, if any. */
  followsUp: { id: number; title: string } | null;
  articles: { id: number; url: string; title: string; source: string; publishedAt: string }[];
}

export function parseSince(value: string | undefined, cmd: string): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`${cmd}: --since expects an ISO date or time, e.g. --since 2023-12-20 or --since 2023-12-20T08:00:00Z; got "${value}"`);
  return t;
}

/** `stories [--topic ID] [--since ISO] [--limit N] [--json]`: newest first, with their articles. */
export async function storiesCommand(ctx: CommandContext): Promise<number> {
  if (ctx.args.length) throw new UsageError(`stories: unexpected argument "${ctx.args[0]}"; usage: stories [--topic ID] [--since ISO] [--limit N] [--json]`);
  const topicId = checkTopic(ctx, 'stories');
  const since = parseSince(ctx.options.since, 'stories');
  const limit = parseLimit(ctx.options.limit, 'stories');
  const repo = new StoryRepo(ctx.app.db);
  const stories: StoryJson[] = [];
  for (const s of (await repo.list({ topicId, since })).slice(0, limit)) {
    stories.push({
      id: s.id,
      topic: s.topic_id,
      title: s.title,
      summary: s.summary,
      firstSeen: iso(s.first_published)!,
      updatedAt: iso(s.updated_at)!,
      threadId: s.thread_id,
      followsUp: await followUpOf(repo, s.id),
      articles: (await repo.members(s.id)).map((m) => ({ id: m.article_id, url: m.url, title: m.title, source: sourceName(m.source ?? m.feed_title, m.url), publishedAt: iso(m.published_at)! })),
    });
  }
  if (ctx.options.json) {
    ctx.out(JSON.stringify(stories, null, 2));
    return 0;
  }
  if (!stories.length) {
    const all = since !== undefined || topicId ? (await repo.list({})).length : 0;
    if (all) ctx.out(`no stories${topicId ? ` on topic ${topicId}` : ''}${since !== undefined ? ` since ${iso(since)}` : ''} (${all} stor${all === 1 ? 'y' : 'ies'} in all; try an earlier --since or another --topic)`);
    else ctx.out('no stories yet; run: npm run cli -- poll');
  }
  const zone = ctx.app.config.digest.timezone;
  if (stories.length) ctx.out(`times in ${zone} (the config's digest.timezone)\n`);
  for (const s of stories) {
    const sources = [...new Set(s.articles.map((a) => a.source))];
    ctx.out(`#${s.id} [${s.topic}] ${s.title}`);
    ctx.out(`   first seen ${localTime(Date.parse(s.firstSeen), zone)} · ${s.articles.length} article${s.articles.length === 1 ? '' : 's'} from ${sources.length} source${sources.length === 1 ? '' : 's'}`);
    if (s.followsUp) ctx.out(`   follows up #${s.followsUp.id} "${s.followsUp.title}"`);
    if (s.summary) ctx.out(`   ${s.summary}`);
    for (const a of s.articles) ctx.out(`   - ${a.source}: ${a.title} <${a.url}>`);
    ctx.out('');
  }
  return 0;
}

async function followUpOf(repo: StoryRepo, id: number): Promise<StoryJson['followsUp']> {
  const earlier = (await repo.earlierInThread(id, 1))[0];
  return earlier ? { id: earlier.id, title: earlier.title } : null;
}
