// Takes the README's screenshots of the web pages from the demo feeds:
// `npx tsx docs/screenshot.ts` (needs /usr/bin/chromium). Writes docs/web-front.png and docs/web-story.png.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../src/cli.js';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/logger.js';
import { createHttpServer, listen } from '../src/http/server.js';
import { createWebRoute } from '../src/web/routes.js';
import { launchChromium } from '../test/helpers/browser.js';
import { StoryRepo } from '../src/db/stories.js';
import { DateTime } from 'luxon';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'nd-shot-'));
const db = path.join(dir, 'demo.db');
const configFile = path.join(root, 'config/demo.yaml');
if ((await runCli(['poll', '--config', configFile, '--db', db], () => undefined)) !== 0) throw new Error('demo poll failed');
const app = createApp(loadConfig(configFile, {}), silentLogger, { dbPath: db, existing: true });
const server = createHttpServer(app.health, app.metrics, [createWebRoute(app)]);
const port = await listen(server, 0);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 430, height: 900 }, deviceScaleFactor: 1 });
  // The day of the story most outlets reported (the demo's Japan story), and that story.
  const [top] = new StoryRepo(app.db).list().sort((a, b) => b.source_count - a.source_count);
  const day = DateTime.fromMillis(top!.last_published, { zone: app.config.web.timezone ?? app.config.digest.timezone }).toISODate();
  await page.goto(`http://127.0.0.1:${port}/?day=${day}`);
  await page.screenshot({ path: path.join(root, 'docs/web-front.png') });
  await page.goto(`http://127.0.0.1:${port}/stories/${top!.id}`);
  await page.screenshot({ path: path.join(root, 'docs/web-story.png') });
} finally {
  await browser.close();
  server.close();
  app.close();
  rmSync(dir, { recursive: true, force: true });
}
