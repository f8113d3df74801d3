import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * pino logger. Human-readable (pino-pretty) when stderr is a terminal, JSON lines otherwise.
 * Logs go to stderr so that `--json` output on stdout stays machine-readable.
 */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? (process.stderr.isTTY === true && process.env.LOG_FORMAT !== 'json');
  if (pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } });
  }
  return pino({ level }, pino.destination(2));
}

/** A logger that drops everything: tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
