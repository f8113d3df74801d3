import type { DB } from '../db/open.js';
import { StoryRepo, type MemberRow } from '../db/stories.js';
import type { IdfModel } from './idf.js';
import { StoryClusterer, type ClusterDoc, type DocFeatures } from './clusterer.js';
import { summarise } from './summarise.js';
import { stripBoilerplate } from '../ingest/boilerplate.js';

export interface StoryArticle {
  id: number;
  title: string;
  description: string;
  body: string;
  publishedAt: number;
}

export interface StoryChanges {
  created: Set<number>;
  updated: Set<number>;
}

export interface StoryOptions {
  windowMs: number;
  threshold: number;
  mergeThreshold: number;
}

/** What the clusterer compares: the title, and the description (or the body's first lines). */
export function clusterDocOf(a: { id: number; title: string; description: string; body: string; publishedAt?: number }): ClusterDoc {
  const lead = a.description.trim() || stripBoilerplate(a.body).split('\n').slice(0, 2).join(' ');
  return { id: a.id, title: a.title, lead: lead.slice(0, 600), text: `${a.title}\n${a.description}\n${a.body}`.slice(0, 6000), publishedAt: a.publishedAt };
}

/**
 * Assigns a topic's relevant articles to stories and keeps the stories table in step. The
 * clusterer is rebuilt from the stories active around the new articles (bounded by the time
 * window, not the archive); features of articles already seen are cached between runs.
 */
export class StoryService {
  private readonly repo: StoryRepo;
  private readonly featureCache = new Map<number, DocFeatures>();

  constructor(
    private readonly db: DB,
    private readonly idf: IdfModel,
    private readonly options: StoryOptions,
    private readonly clock: () => number = Date.now,
  ) {
    this.repo = new StoryRepo(db);
  }

  assign(topicId: string, articles: StoryArticle[]): StoryChanges {
    const changes: StoryChanges = { created: new Set(), updated: new Set() };
    const todo = articles.filter((a) => this.repo.storyOf(a.id, topicId) === undefined).sort((a, b) => a.publishedAt - b.publishedAt || a.id - b.id);
    if (!todo.length) return changes;
    const now = this.clock();
    let pendingTitle = '';
    let pendingTime = 0;
    const clusterer = new StoryClusterer(this.idf, { windowMs: this.options.windowMs, threshold: this.options.threshold, mergeThreshold: this.options.mergeThreshold }, () =>
      this.repo.create(topicId, pendingTitle, pendingTime, now),
    );
    const earliest = todo[0]!.publishedAt;
    const restored = new Set<number>();
    for (const m of this.repo.activeMembers(topicId, earliest - this.options.windowMs)) {
      clusterer.restore(m.story_id, this.features(clusterer, memberArticle(m)));
      restored.add(m.article_id);
    }
    this.db.transaction(() => {
      for (const a of todo) {
        pendingTitle = a.title;
        pendingTime = a.publishedAt;
        const assignment = clusterer.add(clusterDocOf(a), this.features(clusterer, a));
        for (const from of assignment.merged ?? []) {
          this.repo.merge(from, assignment.storyId, now);
          changes.created.delete(from);
          changes.updated.delete(from);
        }
        this.repo.addMember(assignment.storyId, a.id, assignment.similarity, assignment.reason, now);
        if (assignment.isNew) changes.created.add(assignment.storyId);
        else if (!changes.created.has(assignment.storyId)) changes.updated.add(assignment.storyId);
      }
      for (const id of [...changes.created, ...changes.updated]) this.repo.refresh(id, now);
    })();
    // Keep the cache to the active window.
    if (this.featureCache.size > 50_000) this.featureCache.clear();
    return changes;
  }

  /** Rewrites the summary and headline of the given stories from all their articles. */
  summarise(storyIds: Iterable<number>): void {
    const now = this.clock();
    const update = this.db.transaction((ids: number[]) => {
      for (const id of ids) {
        const members = this.repo.members(id);
        if (!members.length) continue;
        const s = summarise(members.map((m) => ({ title: m.title, description: m.description, body: m.page_text ?? m.content })), this.idf);
        this.repo.setSummary(id, s.headline, s.text, now);
      }
    });
    update([...storyIds]);
  }

  private features(clusterer: StoryClusterer, a: StoryArticle): DocFeatures {
    let f = this.featureCache.get(a.id);
    if (!f) {
      f = clusterer.features(clusterDocOf(a));
      this.featureCache.set(a.id, f);
    }
    return f;
  }
}

function memberArticle(m: MemberRow): StoryArticle {
  return { id: m.article_id, title: m.title, description: m.description, body: m.page_text ?? m.content, publishedAt: m.published_at };
}
