import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../src/db/store.js';
import { FeedRepo } from '../src/db/feeds.js';
import { ArticleRepo } from '../src/db/articles.js';
import { StoryRepo } from '../src/db/stories.js';
import { WebRepo } from '../src/db/web.js';
import { loadConfig } from '../src/config/load.js';
import { createHttpServer, listen } from '../src/http/server.js';
import { HealthMonitor } from '../src/health.js';
import { Metrics } from '../src/metrics.js';
import { createWebRoute } from '../src/web/routes.js';
import { topicPage } from '../src/web/pages.js';
import { storyViews } from '../src/web/view.js';

const RUNS = 9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * One day's page of 1,000 stories (4 outlets each, a 300-character summary): the render alone,
 * and the whole GET / over local HTTP (queries, grouping by outlet, render, send). Target: < 100 ms.
 */
export async function benchWeb(stories = 1000, outlets = 4): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nd-web-bench-'));
  const db = Store.openSqlite(path.join(dir, 'web.db'));
  const config = loadConfig(path.resolve('config/default.yaml'), {});
  config.web.storiesPerPage = stories;
  config.web.timezone = 'UTC';
  const topic = config.topics[0]!;
  const day = Date.parse('2026-11-20T00:00:00Z');
  const feeds = new FeedRepo(db);
  const feedIds: number[] = [];
  for (let o = 0; o < outlets; o++) feedIds.push((await feeds.add(`https://outlet${o}.example/feed`, 'user', day, `Outlet ${o} News`)).feed.id);
  const summary = 'Berlin will hand Kyiv a further Patriot air-defence system and 100 interceptors, the defence minister said on Monday during a visit to Odesa. The system is to arrive before summer, with crews trained in Germany. Russia called the pledge an escalation & "a provocation" <sic>.';
  await db.transaction(async (tx) => {
    const articles = new ArticleRepo(tx);
    const repo = new StoryRepo(tx);
    const ids = await repo.reserveIds(stories);
    for (let s = 0; s < stories; s++) {
      const at = day + Math.floor((s * 86_000_000) / stories);
      const id = ids[s]!;
      await repo.create(id, topic.id, `Germany pledges Patriot system number ${s} to Ukraine, minister says`, at, at);
      for (let o = 0; o < outlets; o++) {
        const url = `https://outlet${o}.example/${s}`;
        const a = await articles.upsert(feedIds[o]!, { guid: url, url, link: url, title: `Report ${s} by outlet ${o}: Patriot for Ukraine`, description: '', content: '', author: null, source: null, publishedAt: at + o * 60_000, contentHash: url }, at);
        // Each outlet's report joined the story when it was published.
        await repo.addMembers([{ storyId: id, articleId: a.id, similarity: o ? 0.9 : 1, reason: o ? 'similar' : 'first' }], at + o * 60_000);
      }
      await repo.refresh([id], at);
      await repo.setSummary(id, `Germany pledges Patriot system number ${s} to Ukraine, minister says`, summary, at);
    }
  });
  const now = day + 86_400_000;
  const app = { db, config, clock: () => now };

  // The render alone, from rows already read.
  const web = new WebRepo(db);
  const rows = await web.storiesBetween(topic.id, day, day + 86_400_000, stories);
  const members = await web.members(rows.map((r) => r.id));
  const ctx = { prefix: '', topics: [{ id: topic.id, name: topic.name }], zone: 'UTC', tzParam: null };
  const render = () => topicPage(ctx, { topic, day: '2026-11-20', stories: storyViews(rows, members, now - 86_400_000), total: rows.length, page: 1, pages: 1, prevDay: null, nextDay: null, since: now - 86_400_000 });
  const renderMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS + 2; i++) {
    const t = performance.now();
    bytes = render().length;
    if (i >= 2) renderMs.push(performance.now() - t);
  }

  // The whole request, through the worker's HTTP server.
  const server = createHttpServer(new HealthMonitor(db, app.clock), new Metrics(), [createWebRoute(app)]);
  const port = await listen(server, 0);
  const requestMs: number[] = [];
  let shown = 0;
  for (let i = 0; i < RUNS + 2; i++) {
    const t = performance.now();
    const page = await (await fetch(`http://127.0.0.1:${port}/?day=2026-11-20`)).text();
    if (i >= 2) requestMs.push(performance.now() - t);
    shown = page.match(/<article class="story">/g)?.length ?? 0;
  }
  server.closeAllConnections();
  server.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  if (shown !== stories) throw new Error(`the page showed ${shown} stories, expected ${stories}`);
  const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}, ${RUNS} runs)`;
  console.log(`web: a day page of ${rows.length} stories × ${outlets} outlets (${(bytes / 1024).toFixed(0)} KB of HTML)`);
  console.log(`  render:              ${fmt(renderMs)}`);
  console.log(`  GET / over HTTP:     ${fmt(requestMs)}, ${shown} stories on the page`);
  console.log(`  target < 100 ms: ${median(requestMs) < 100 ? 'met' : 'MISSED'}`);
}
