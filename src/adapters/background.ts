import type { Logger } from '../logger.js';
import { redactError } from '../redact.js';

/**
 * Work a chat handler starts after it has answered (a digest to build and send, a webhook update
 * to process). Handlers must answer at once: Slack gives up after 3 s, and a Telegram update
 * handler that waits for the outbox holds up every other chat's commands. Tasks are tracked so
 * tests and shutdown can wait for them, and their errors are logged (scrubbed), never unhandled.
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  run(name: string, task: () => Promise<unknown>): void {
    const done: Promise<void> = Promise.resolve()
      .then(task)
      .then(
        () => undefined,
        (err: unknown) => this.log.error({ err: redactError(err) }, `${name} failed`),
      )
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  /** Resolves when every task started so far, and any they started, has finished. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }
}
