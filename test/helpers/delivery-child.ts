import path from 'node:path';
import { TelegramAdapter } from '../../src/adapters/telegram/bot.js';
import { loadConfig } from '../../src/config/load.js';
import { Store } from '../../src/db/store.js';
import { Sender } from '../../src/delivery/sender.js';
import type { DeliveryAdapter } from '../../src/delivery/types.js';
import { SubscriptionService, type Platform } from '../../src/digest/subscriptions.js';
import { silentLogger } from '../../src/logger.js';
import { ROOT } from './app.js';

// A sending process for the kill -9 test: `node --import tsx delivery-child.ts DB API_ROOT` runs
// the outbox sender on DB against the Bot API at API_ROOT until nothing is left to send, then
// exits 0. Only the sender is loaded (no digest building, no ingest). It loads its modules, says
// "loaded", then waits for "go" on stdin before touching the database: the test loads all its
// processes up front and lets each go once the previous one is dead, so a restart costs
// milliseconds instead of the ~2 s of loading. Its worker id comes from WORKER_ID, as in production;
// SEND_CONCURRENCY (default: the sender's) bounds how many digests it sends at once.
const [dbPath, apiRoot] = process.argv.slice(2) as [string, string];
const config = loadConfig(path.join(ROOT, 'config/demo.yaml'), {});
process.stdout.write('loaded\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.destroy();
const db = await Store.open(dbPath);
const subscriptions = new SubscriptionService(db, config);
const onlySends = { digestNow: () => Promise.reject(new Error('this process only sends the outbox')) };
const adapters = new Map<Platform, DeliveryAdapter>([['telegram', new TelegramAdapter({ token: '1:KILL', apiRoot }, subscriptions, onlySends, silentLogger)]]);
const concurrency = process.env.SEND_CONCURRENCY ? Number(process.env.SEND_CONCURRENCY) : undefined;
const sender = new Sender(db, adapters, subscriptions, silentLogger, undefined, concurrency ? { concurrency } : {});
const left = async () => Number((await db.k.selectFrom('digests').select((eb) => eb.fn.countAll().as('n')).where('status', 'in', ['pending', 'sending']).executeTakeFirstOrThrow()).n);
while ((await left()) > 0) {
  const report = await sender.runOnce();
  // Nothing this process may send yet (another's lease): look again shortly rather than spin.
  if (report.sent + report.retrying + report.failed + report.dead === 0) await new Promise((r) => setTimeout(r, 100));
}
await db.close();
