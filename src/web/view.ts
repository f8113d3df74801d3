import type { WebMember, WebStory } from '../db/web.js';
import { sourceName } from '../ingest/source-name.js';

/** One outlet of a story: its first article there, and whether it joined after `since`. */
export interface OutletView {
  name: string;
  url: string;
  title: string;
  publishedAt: number;
  isNew: boolean;
}

export interface StoryView extends WebStory {
  /** The headline's outlet first, then the others in the order they reported. */
  outlets: OutletView[];
  /** Outlets that joined after `since` when the story had reports before it (the story grew); 0 for a new story. */
  newSources: number;
}

/** Groups each story's members by outlet (one link per outlet) and counts the outlets new since `since`. */
export function storyViews(stories: WebStory[], members: WebMember[], since: number): StoryView[] {
  const byStory = new Map<number, WebMember[]>();
  for (const m of members) {
    let list = byStory.get(m.storyId);
    if (!list) byStory.set(m.storyId, (list = []));
    list.push(m);
  }
  return stories.map((s) => {
    const own = byStory.get(s.id) ?? [];
    const outlets = new Map<string, OutletView>();
    let before = false;
    // Members arrive earliest published first: an outlet's first report is its link.
    for (const m of own) {
      if (m.addedAt <= since) before = true;
      const name = sourceName(m.source ?? m.feedTitle, m.url);
      const seen = outlets.get(name);
      if (!seen) outlets.set(name, { name, url: m.url, title: m.title, publishedAt: m.publishedAt, isNew: m.addedAt > since });
      else if (m.addedAt <= since) seen.isNew = false;
    }
    let list = [...outlets.values()];
    const lead = own.find((m) => m.title === s.title);
    if (lead) {
      const name = sourceName(lead.source ?? lead.feedTitle, lead.url);
      list = [...list.filter((o) => o.name === name), ...list.filter((o) => o.name !== name)];
    }
    const newSources = before ? list.filter((o) => o.isNew).length : 0;
    if (!before) for (const o of list) o.isNew = false;
    return { ...s, outlets: list, newSources };
  });
}
