import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Runs in a worker thread, so the lock is released on time even while the main thread is blocked
// in better-sqlite3's busy wait (which is synchronous).
const HOLDER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
parentPort.on('message', (m) => {
  if (m.type === 'lock') {
    db.exec('BEGIN IMMEDIATE');
    parentPort.postMessage({ type: 'locked' });
    setTimeout(() => {
      db.exec('COMMIT');
      parentPort.postMessage({ type: 'released' });
    }, m.holdMs);
  } else if (m.type === 'close') {
    db.close();
    parentPort.close();
  }
});
parentPort.postMessage({ type: 'ready' });
`;

/** A second connection to a SQLite file, in its own thread, that takes the write lock on demand. */
export class SqliteLockHolder {
  private constructor(private readonly worker: Worker) {}

  static async open(file: string): Promise<SqliteLockHolder> {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(HOLDER, { eval: true, workerData: { file, driver } });
    await SqliteLockHolder.next(worker, 'ready');
    return new SqliteLockHolder(worker);
  }

  private static next(worker: Worker, type: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: { type: string }) => {
        if (m.type !== type) return;
        worker.off('message', onMessage);
        resolve();
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }

  /** Takes the write lock (BEGIN IMMEDIATE) for `holdMs`; resolves once it is held, with the release to come. */
  async lock(holdMs: number): Promise<{ released: Promise<void> }> {
    const locked = SqliteLockHolder.next(this.worker, 'locked');
    const released = SqliteLockHolder.next(this.worker, 'released');
    this.worker.postMessage({ type: 'lock', holdMs });
    await locked;
    return { released };
  }

  async close(): Promise<void> {
    this.worker.postMessage({ type: 'close' });
    await new Promise((r) => this.worker.once('exit', r));
  }
}
