import path from 'node:path';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { ROOT, tempDir } from './app.js';

/** A virtual clock whose sleeps advance time instantly: pacing and backoff without waiting. */
export class VirtualClock {
  constructor(public now: number) {}
  readonly clock = () => this.now;
  readonly sleep = async (ms: number) => {
    this.now += ms;
  };
}

/**
 * An app on the demo feeds (the seed stories) with a database in a temp dir, polled once, so
 * digests have real stories in them.
 */
export async function demoApp(vc: VirtualClock, dbPath?: string, owner?: string): Promise<{ app: App; dir: string; cleanup(): Promise<void> }> {
  const tmp = dbPath ? { dir: path.dirname(dbPath), cleanup: () => undefined } : tempDir();
  const config = loadConfig(path.join(ROOT, 'config/demo.yaml'), {});
  const app = await createApp(config, silentLogger, { dbPath: dbPath ?? path.join(tmp.dir, 'delivery.db'), clock: vc.clock, sleep: vc.sleep, owner });
  if (!dbPath) await app.pipeline.poll();
  return {
    app,
    dir: tmp.dir,
    cleanup: async () => {
      await app.close().catch(() => undefined);
      tmp.cleanup();
    },
  };
}
