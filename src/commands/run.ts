import { startWorker } from '../worker.js';
import { readChatEnv } from '../config/env.js';
import type { CommandContext } from './context.js';

/**
 * After a clean stop the process ends by itself; if something cut off at stop still holds it (a
 * parse that never settles, a socket), it exits this long after stop() returned.
 */
const EXIT_AFTER_STOP_MS = 500;

/** `run`: the worker until SIGINT/SIGTERM; a second signal exits at once. */
export async function runCommand(ctx: CommandContext): Promise<number> {
  const worker = await startWorker(ctx.app, { chat: readChatEnv() });
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      ctx.app.log.info({ signal }, 'shutting down');
      process.once(signal, () => process.exit(130));
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  // stop() waits for running jobs a few seconds at most (STOP_GRACE_MS), then cuts them off.
  await worker.stop();
  ctx.app.log.info('stopped; database closed');
  setTimeout(() => {
    ctx.app.log.warn('exiting: work cut off at stop still held the process');
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  }, EXIT_AFTER_STOP_MS).unref();
  return 0;
}
