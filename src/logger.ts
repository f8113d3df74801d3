import pino, { type DestinationStream, type Logger } from 'pino';
import { ConfigError } from './config/load.js';
import { REDACT_PATHS, REDACTED, redact, registerSecretsFromEnv } from './redact.js';

export type { Logger };

/**
 * pino logger. Human-readable (pino-pretty) when stderr is a terminal, JSON lines otherwise.
 * Logs go to stderr so that `--json` output on stdout stays machine-readable.
 *
 * No secret reaches a log line: known secret fields are censored by pino's `redact`, and every
 * serialized line passes the scrubber (library errors quote request URLs, and Telegram's carry
 * the bot token in the path). `destination` replaces stderr (tests capture the output).
 */
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function createLogger(options: { level?: string; pretty?: boolean; destination?: DestinationStream } = {}): Logger {
  registerSecretsFromEnv();
  const level = (options.level ?? process.env.LOG_LEVEL ?? 'info').trim().toLowerCase() || 'info';
  if (!LEVELS.includes(level)) throw new ConfigError(`LOG_LEVEL: expected one of ${LEVELS.join(', ')}, got "${level}"`);
  const base = {
    level,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    // Applied to the serialized line before any destination or transport sees it.
    hooks: { streamWrite: redact },
  };
  if (options.destination) return pino(base, options.destination);
  const pretty = options.pretty ?? (process.stderr.isTTY === true && process.env.LOG_FORMAT !== 'json');
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } });
  }
  return pino(base, pino.destination(2));
}

/** A logger that drops everything: tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
