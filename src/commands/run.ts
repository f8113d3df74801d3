import { startWorker } from '../worker.js';
import { readChatEnv } from '../config/env.js';
import type { CommandContext } from './context.js';

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
  await worker.stop();
  ctx.app.log.info('stopped; database closed');
  return 0;
}
