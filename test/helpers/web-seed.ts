import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { ArticleRepo } from '../../src/db/articles.js';
import { StoryRepo } from '../../src/db/stories.js';
import { FeedServer, rss } from './feed-server.js';
import { tempDir, writeConfig } from './app.js';
import { PATRIOT_WEEK, type WeekItem } from '../fixtures/patriot-week.js';

/** The clock of the seeded app: the day after the fixture week's last report. */
export const SEEDED_NOW = Date.parse('2026-03-07T12:00:00Z');

/**
 * A headline and summary that try to run script: the pages must show them as text. Ingest strips
 * markup from feed titles, so they are written to the story as its summariser would write them.
 */
export const INJECTED_TITLE = '<script>alert(1)</script> Sweden sends Patriot launchers to Ukraine';
export const INJECTED_SUMMARY = 'Stockholm will send two launchers. <img src=x onerror="alert(2)">';

/** The week's reports, plus one more event whose story gets the injected headline. */
export const WEB_ITEMS: WeekItem[] = [
  ...PATRIOT_WEEK,
  { outlet: 'Zeta Aggregator', event: 'sweden', date: '2026-03-06T09:00:00Z', title: 'Sweden sends Patriot launchers to Ukraine', description: 'Stockholm will send two Patriot launchers and interceptors to Ukraine, the Swedish defence minister said.' },
];

export interface SeededSite {
  app: App;
  server: FeedServer;
  config: string;
  dir: string;
  link(item: WeekItem): string;
  /** Moves the app's clock (a later poll, a story growing). */
  setNow(ms: number): void;
  cleanup(): Promise<void>;
}

/**
 * A real database holding the fixture week's stories: each outlet's reports served as an RSS feed
 * on 127.0.0.1 and polled by the real pipeline (topics, stories, summaries).
 */
export async function seededSite(overrides: Record<string, unknown> = {}): Promise<SeededSite> {
  const server = await new FeedServer().start();
  const { dir, cleanup } = tempDir('nd-web-');
  const outlets = [...new Set(WEB_ITEMS.map((i) => i.outlet))];
  const link = (i: WeekItem) => `http://news.example/${WEB_ITEMS.indexOf(i)}`;
  for (const outlet of outlets) {
    const own = WEB_ITEMS.filter((i) => i.outlet === outlet);
    server.route(`/${outlets.indexOf(outlet)}.xml`, { body: rss(outlet, own.map((i) => ({ title: i.title, link: link(i), guid: link(i), date: new Date(i.date).toUTCString(), description: i.description }))) });
  }
  const config = writeConfig(dir, { feeds: outlets.map((o, n) => ({ url: server.url(`/${n}.xml`), title: o })), http: { port: 0 }, ...overrides });
  let now = SEEDED_NOW;
  const app = await createApp(loadConfig(config, {}), silentLogger, { clock: () => now });
  const report = await app.pipeline.poll();
  if (report.failedFeeds) throw new Error(`seed: ${report.failedFeeds} feeds failed`);
  const sweden = (await new ArticleRepo(app.db).byUrl(link(WEB_ITEMS.at(-1)!)))!;
  const stories = new StoryRepo(app.db);
  await stories.setSummary((await stories.storiesOfArticle(sweden.id))[0]!, INJECTED_TITLE, INJECTED_SUMMARY, SEEDED_NOW);
  return {
    app,
    server,
    config,
    dir,
    link,
    setNow: (ms) => (now = ms),
    async cleanup() {
      await app.close();
      await server.stop();
      cleanup();
    },
  };
}
