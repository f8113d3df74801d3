import type { LoadedConfig } from '../config/load.js';
import { DigestStoryRepo, type DigestCandidate, type DigestMember } from '../db/digest-stories.js';
import type { DB } from '../db/store.js';
import { sourceName } from '../ingest/source-name.js';
import { IdfModel } from '../stories/idf.js';
import { summariseUpdate } from '../stories/summarise.js';
import { stripWireSlug } from '../stories/title.js';
import { DateTime } from 'luxon';
import { SubscriptionRepo } from '../db/subscriptions.js';
import { StoryFilter } from './filters.js';
import type { Digest, DigestSource, DigestStory } from './model.js';
import type { Subscription } from './subscriptions.js';

/** "Now also" texts by what they were computed from, shared by the subscribers of one digest time. */
export type UpdateCache = Map<string, string>;
/** Enough for every update story of a fan-out to many subscribers; cleared when full. */
const UPDATE_CACHE_SIZE = 1000;

export interface BuildOptions {
  /** Term weights for ranking "Now also" sentences, read only for an update; else every word weighs the same. */
  /** Read through `db` (the caller may be inside a transaction). */
  idf?: (db: DB) => Promise<IdfModel>;
  updateCache?: UpdateCache;
  /** Members by story, shared by the digests of one run (a fan-out to many subscribers lists the same stories). */
  memberCache?: Map<number, DigestMember[]>;
}

/**
 * Chooses a subscriber's stories: those of its topics that changed in the window and are new to
 * it, or gained sources since it last saw them; ranked by number of sources, then recency; capped.
 * A story seen before says what is new ("Now also") instead of its summary again.
 */
export async function buildDigest(db: DB, config: LoadedConfig, sub: Subscription, windowEnd: number, now: number, options: BuildOptions = {}): Promise<Digest> {
  const windowStart = sub.lastDigestAt ?? windowEnd - config.digest.firstLookback;
  const topics = sub.topics.map((id) => ({ id, name: config.topics.find((t) => t.id === id)?.name ?? id }));
  const repo = new DigestStoryRepo(db);
  // A story alerted to this chat is marked, or left out with skip-digest; filters apply to both.
  const filter = new StoryFilter(sub.id ? await new SubscriptionRepo(db).filters(sub.id) : []);
  const rows = (await repo.candidates(sub.id, sub.topics, windowStart, windowEnd)).filter((s) => !(sub.alertSkipDigest && s.alertedAt !== null) && filter.passes(s));
  rows.sort((a, b) => b.sourceCount - a.sourceCount || b.lastPublished - a.lastPublished || b.id - a.id);
  const chosen = rows.slice(0, sub.maxStories);
  const idf = options.idf ? () => options.idf!(db) : async () => new IdfModel();
  const stories: DigestStory[] = [];
  for (const s of chosen) {
    const story = await digestStory(repo, s, idf, options.updateCache, options.memberCache);
    stories.push(s.alertedAt === null ? story : { ...story, alertedAt: localTime(s.alertedAt, sub.timezone, windowEnd) });
  }
  const date = new Date(windowEnd).toLocaleDateString('en-GB', { timeZone: sub.timezone, day: 'numeric', month: 'short', year: 'numeric' });
  return {
    subscriptionId: sub.id,
    title: `${topics.map((t) => t.name).join(' · ')} — ${date}`,
    topics,
    timezone: sub.timezone,
    windowStart,
    windowEnd,
    generatedAt: now,
    stories,
    omitted: rows.length - chosen.length,
    ...(stories.length === 0 && config.digest.nothingNewNote ? { note: 'Nothing new on your topics since the last digest.' } : {}),
  };
}

/** "09:14" on the digest's own day in the subscriber's zone, else "12 Mar 21:40". */
function localTime(at: number, zone: string, reference: number): string {
  const t = DateTime.fromMillis(at, { zone });
  return t.toFormat(t.hasSame(DateTime.fromMillis(reference, { zone }), 'day') ? 'HH:mm' : 'd LLL HH:mm');
}

/**
 * A story as an alert shows it: as it is now, new to the subscriber, with one link per outlet.
 * Undefined when the story is gone (merged into another, or emptied). The same for every
 * subscriber, so a fan-out builds it once.
 */
export async function alertStory(db: DB, storyId: number): Promise<DigestStory | undefined> {
  const repo = new DigestStoryRepo(db);
  const s = await repo.story(storyId);
  return s && digestStory(repo, s, async () => new IdfModel());
}

async function digestStory(repo: DigestStoryRepo, s: DigestCandidate, idf: () => Promise<IdfModel>, cache?: UpdateCache, memberCache?: Map<number, DigestMember[]>): Promise<DigestStory> {
  let members = memberCache?.get(s.id);
  if (!members) {
    members = await repo.members(s.id);
    if (memberCache) {
      if (memberCache.size >= UPDATE_CACHE_SIZE) memberCache.clear();
      memberCache.set(s.id, members);
    }
  }
  const seenAt = s.seenSources === null ? null : (s.seenAt ?? 0);
  const story: DigestStory = {
    id: s.id,
    topic: s.topicId,
    headline: s.title,
    summary: s.summary,
    sources: storySources(members, s.title, seenAt),
    sourceCount: s.sourceCount,
    newSources: s.seenSources === null ? 0 : s.sourceCount - s.seenSources,
    isUpdate: s.seenSources !== null,
    firstPublished: s.firstPublished,
    lastPublished: s.lastPublished,
  };
  if (seenAt === null) return story;
  const update = await updateText(repo, s, seenAt, idf, cache);
  return update ? { ...story, update } : story;
}

/**
 * One link per outlet, each to that outlet's own article of this story: the outlet of the headline
 * (the report that best represents the story) first, linking to that report, then the others by
 * publication time, each to its first article. In an update (`seenAt` set) the outlets new since
 * then come first: they are the news.
 */
function storySources(members: DigestMember[], headline: string, seenAt: number | null = null): DigestSource[] {
  const byTime = [...members].sort((a, b) => a.publishedAt - b.publishedAt || a.articleId - b.articleId);
  const lead = byTime.find((m) => stripWireSlug(m.title) === headline) ?? byTime[0];
  const ordered = lead ? [lead, ...byTime.filter((m) => m !== lead)] : byTime;
  const name = (m: DigestMember) => sourceName(m.source ?? m.feedTitle, m.url);
  let first = ordered;
  if (seenAt !== null) {
    const known = new Set(members.filter((m) => m.addedAt <= seenAt).map(name));
    first = [...byTime.filter((m) => !known.has(name(m))), ...ordered];
  }
  const seen = new Set<string>();
  const sources: DigestSource[] = [];
  for (const m of first) {
    const outlet = name(m);
    if (seen.has(outlet)) continue;
    seen.add(outlet);
    sources.push({ name: outlet, url: m.url });
  }
  return sources;
}

/**
 * The "Now also" sentences: what the articles that joined since the subscriber's last digest add
 * to the headline and summary that digest showed ('' when they only repeat it).
 */
async function updateText(repo: DigestStoryRepo, s: DigestCandidate, seenAt: number, idf: () => Promise<IdfModel>, cache?: UpdateCache): Promise<string> {
  const added = await repo.textsAddedAfter(s.id, seenAt);
  if (!added.length) return '';
  // Without the digest (deleted), the story as it is now is the best guess of what was shown.
  const shown = (s.seenDigestId !== null ? await repo.shown(s.seenDigestId, s.id) : undefined) ?? { headline: s.title, summary: s.summary, update: null };
  const seen = [shown.update ?? '', s.title === shown.headline ? '' : s.title].filter(Boolean);
  const key = JSON.stringify([s.id, added.map((a) => a.articleId), shown.headline, shown.summary, seen]);
  const cached = cache?.get(key);
  if (cached !== undefined) return cached;
  const text = summariseUpdate({ headline: shown.headline, summary: shown.summary, seen }, added, await idf()).text;
  if (cache) {
    if (cache.size >= UPDATE_CACHE_SIZE) cache.clear();
    cache.set(key, text);
  }
  return text;
}
