import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';

export interface Job {
  name: string;
  /** node-cron expression; six fields means seconds are included. */
  schedule: string;
  run: () => Promise<unknown>;
}

/**
 * Runs jobs on node-cron with `noOverlap` (a slow poll is never started twice), logs their
 * failures, and on `stop()` waits for the runs in progress to finish.
 */
export class JobScheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly log: Logger) {
    const child = log.child({ module: 'node-cron' });
    cron.setLogger({
      info: (m) => child.debug(m),
      warn: (m) => child.warn(m),
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
    const p = job.run().catch((err: unknown) => this.log.error({ err, job: job.name }, `job ${job.name} failed`));
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
    return p;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.tasks.map((t) => t.destroy()));
    await Promise.all([...this.running]);
  }
}
