/**
 * Secret scrubbing for everything that leaves the process as text: log lines, error messages,
 * error text stored in the database. Chat tokens travel inside request URLs (Telegram puts the
 * bot token in the path: `…/bot123:AA…/sendMessage`) and library errors quote those URLs, so a
 * token reaches logs and `digests.last_error` unless every such string passes through here.
 */

export const REDACTED = '[redacted]';

/** Token shapes, caught even before (or without) the configured value being registered. */
const PATTERNS: [RegExp, string][] = [
  // A Telegram token in a Bot API URL; ":" may arrive percent-encoded.
  [/\bbot\d+(?::|%3A)[A-Za-z0-9_-]+/gi, `bot${REDACTED}`],
  // A bare Telegram token (digits, colon, 30+ characters of base64url).
  [/\b\d{5,}(?::|%3A)[A-Za-z0-9_-]{30,}/gi, REDACTED],
  // Slack bot/user/app/refresh tokens: xoxb-, xoxp-, xoxa-, xoxe-, xapp-…
  [/\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+/g, REDACTED],
  // Any bearer credential in a quoted header.
  [/\b(Bearer\s+)[^\s"',;\\]+/gi, `$1${REDACTED}`],
];

/** Values shorter than this are not scrubbed literally: replacing "abc" everywhere would wreck the logs. */
const MIN_LITERAL = 6;
const literals = new Set<string>();
/** The registered forms, longest first, so a secret containing another is replaced whole. */
let ordered: string[] = [];

/**
 * Registers configured secret values (tokens, signing and webhook secrets) so that they are
 * scrubbed wherever they appear, also percent-encoded or JSON-escaped.
 */
export function registerSecret(...values: (string | undefined)[]): void {
  for (const v of values) {
    if (!v || v.length < MIN_LITERAL) continue;
    for (const form of [v, encodeURIComponent(v), JSON.stringify(v).slice(1, -1)]) literals.add(form);
  }
  ordered = [...literals].sort((a, b) => b.length - a.length);
}

/** The secrets an operator sets in the environment (README's chat variables). */
export const SECRET_ENV = ['TELEGRAM_BOT_TOKEN', 'TELEGRAM_WEBHOOK_SECRET', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'] as const;

export function registerSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): void {
  registerSecret(...SECRET_ENV.map((name) => env[name]?.trim()));
}

/** The text with every registered secret and every token-shaped string replaced by "[redacted]". */
export function redact(text: string): string {
  let out = text;
  for (const secret of ordered) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** An error's message, scrubbed: what may be stored or shown. */
export function errorText(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err));
}

/** A copy of a flat record with each string field scrubbed (a DeliveryFailure before it is stored). */
export function redactFields<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, typeof v === 'string' ? redact(v) : v])) as T;
}

/**
 * Scrubs an error in place (message, stack, and the errors it wraps: grammY's `error`, Slack's
 * `original`, `cause`, an echoed response `body`), keeping its class and fields so callers can
 * still classify it. Returns the same error.
 */
export function redactError<T>(err: T, depth = 0): T {
  if (!err || typeof err !== 'object' || depth > 4) return err;
  const e = err as Record<string, unknown>;
  for (const key of ['message', 'stack', 'description', 'body']) {
    const value = e[key];
    if (typeof value === 'string') {
      try {
        e[key] = redact(value);
      } catch {
        /* a read-only property: left as it is, the logger scrubs it on the way out */
      }
    }
  }
  for (const key of ['error', 'original', 'cause']) if (e[key] && typeof e[key] === 'object') redactError(e[key], depth + 1);
  return err;
}

/** Field names whose values are secrets wherever they appear in a logged object (pino `redact`). */
export const REDACT_PATHS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'webhookSecret',
  'secretToken',
  'secret_token',
  'authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.webhookSecret',
  '*.secretToken',
  '*.secret_token',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers["x-telegram-bot-api-secret-token"]',
  'headers["x-telegram-bot-api-secret-token"]',
];
