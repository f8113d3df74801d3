// A real worker process for fault tests: polls every feed and processes what it stored, over and
// over ("loop", until killed or after N rounds) or once ("once"). argv: config, db, mode, rounds.
import { loadConfig } from '../../src/config/load.js';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';

const [config, db, mode = 'once', rounds = '1000000'] = process.argv.slice(2);
const app = await createApp(loadConfig(config!, {}), createLogger({ level: 'warn' }), { dbPath: db! });
const n = mode === 'once' ? 1 : Number(rounds);
for (let i = 0; i < n; i++) {
  const r = await app.pipeline.poll();
  process.stdout.write(`${JSON.stringify({ round: i, newArticles: r.newArticles, processed: r.processedArticles, pending: r.pendingArticles, failed: r.failedFeeds })}\n`);
}
await app.close();
