import { DateTime } from 'luxon';
import type { App } from '../app.js';

/** A wrong command line: the message says what was expected; exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CommandContext {
  app: App;
  args: string[];
  options: CliOptions;
  out: (line: string) => void;
}

export interface CliOptions {
  config?: string;
  db?: string;
  json?: boolean;
  topic?: string;
  since?: string;
  corpus?: string;
  holdout?: boolean;
  chat?: string;
  format?: string;
  help?: boolean;
  /** `outbox resend --all`. */
  all?: boolean;
  /** `feeds add URL --force`: add even when the check fails. */
  force?: boolean;
  /** `articles` / `stories --limit N`: the newest N. */
  limit?: string;
  /** `db copy --to URL`. */
  to?: string;
  version?: boolean;
}

/** `--limit N`: a positive whole number, or undefined for no limit. */
export function parseLimit(value: string | undefined, cmd: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${cmd}: --limit expects a whole number of 1 or more, got "${value}"`);
  return n;
}

/** A time as the operator reads it: in the configured zone ("2026-03-03 11:00"). */
export function localTime(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm');
}

export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

export { sourceName } from '../ingest/source-name.js';

/** The `--topic` option, checked against the config's topics. */
export function checkTopic(ctx: CommandContext, cmd: string): string | undefined {
  const topic = ctx.options.topic;
  if (topic && !ctx.app.config.topics.some((t) => t.id === topic)) {
    throw new UsageError(`${cmd}: unknown topic "${topic}"; known: ${ctx.app.config.topics.map((t) => t.id).join(', ')}`);
  }
  return topic;
}
