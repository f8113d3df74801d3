import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export interface TestEnv {
  dir: string;
  dbPath: string;
  configPath: string;
  cleanup(): void;
}

export function tempDir(prefix = 'nd-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Writes a config file into a temp dir: the default config's topics with the given overrides
 * (feeds, fetch limits…), so tests run the real rules.
 */
export function writeConfig(dir: string, overrides: Record<string, unknown> = {}): string {
  const base = loadConfig(path.join(ROOT, 'config/default.yaml'), {});
  const config = {
    database: path.join(dir, 'test.db'),
    topics: base.topics,
    feeds: [],
    articles: { fetchPages: false },
    ...overrides,
  };
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

export async function testApp(overrides: Record<string, unknown> = {}, clock?: () => number): Promise<{ app: App; dir: string; cleanup(): Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const file = writeConfig(dir, overrides);
  const app = await createApp(loadConfig(file, {}), silentLogger, clock ? { clock } : {});
  return {
    app,
    dir,
    cleanup: async () => {
      await app.close().catch(() => undefined);
      cleanup();
    },
  };
}

/** The SQLite handle of an app's database, for raw reads and writes in tests (SQLite tests only). */
export function sqliteOf(app: App): import('better-sqlite3').Database {
  if (!app.db.sqlite) throw new Error('this test reads SQLite directly');
  return app.db.sqlite;
}
