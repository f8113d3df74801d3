import cron, { type ScheduledTask } from 'node-cron';
import { CronExpressionParser } from 'cron-parser';
import type { Logger } from '../logger.js';

export interface Job {
  name: string;
  /** node-cron expression; six fields means seconds are included. */
  schedule: string;
  run: () => Promise<unknown>;
}

/**
 * Runs jobs on node-cron with `noOverlap` (a slow poll is never started twice, so every job must
 * end: the poll's feeds each have a deadline), logs their failures, and on `stop()` waits for the
 * runs in progress to finish, for a bounded time.
 */
export class JobScheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Map<Promise<unknown>, { name: string; startedAt: number }>();
  private stopped = false;

  constructor(private readonly log: Logger) {
    const child = log.child({ module: 'node-cron' });
    cron.setLogger({
      info: (m) => child.debug(m),
      // A tick skipped because the last run is still going is said once per run by the worker
      // ("poll tick overran"), not once a second by node-cron.
      warn: (m) => (/overlap prevention|missed execution/i.test(String(m)) ? child.debug(m) : child.warn(m)),
      error: (m, e) => child.error({ err: e ?? m }, String(m)),
      debug: (m) => child.trace(String(m)),
    });
  }

  add(job: Job): void {
    if (!cron.validate(job.schedule)) throw new Error(`job ${job.name}: invalid cron expression "${job.schedule}"`);
    const task = cron.schedule(job.schedule, () => this.track(job), { name: job.name, noOverlap: true });
    this.tasks.push(task);
  }

  /** Runs a job now (at start-up), tracked like a scheduled run. */
  runNow(job: Job): Promise<unknown> {
    return this.track(job);
  }

  private track(job: Job): Promise<unknown> {
    if (this.stopped) return Promise.resolve();
    // One run of a job at a time, whether started by its schedule or by runNow (a poll at start
    // and the first tick would otherwise poll side by side, twice the fetch concurrency).
    for (const [running, r] of this.running) if (r.name === job.name) return running;
    const p = Promise.resolve()
      .then(() => job.run())
      .catch((err: unknown) => this.log.error({ err, job: job.name }, `job ${job.name} failed`));
    this.running.set(p, { name: job.name, startedAt: Date.now() });
    void p.finally(() => this.running.delete(p));
    return p;
  }

  /**
   * No new runs; waits for those in progress, `graceMs` at most (default: as long as they take).
   * Returns the jobs still running when the wait ended, with how long they had run.
   */
  async stop(graceMs?: number): Promise<{ name: string; runningMs: number }[]> {
    this.stopped = true;
    await Promise.all(this.tasks.map((t) => t.destroy()));
    const all = Promise.all([...this.running.keys()]);
    if (graceMs === undefined) await all;
    else {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    const now = Date.now();
    return [...this.running.values()].map((r) => ({ name: r.name, runningMs: now - r.startedAt }));
  }

  /** Waits for the runs in progress, `ms` at most; true when none is left. */
  async settle(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...this.running.keys()]), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
    return this.running.size === 0;
  }
}

/** Milliseconds between two runs of a cron expression (the shortest gap in its next few runs). */
export function cronPeriodMs(expression: string, from = new Date()): number {
  const it = CronExpressionParser.parse(expression, { currentDate: from });
  const times = Array.from({ length: 4 }, () => it.next().getTime());
  let gap = Infinity;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i]! - times[i - 1]!);
  return gap;
}
