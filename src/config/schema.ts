import { z } from 'zod';
import cron from 'node-cron';
import { assertMinInterval, isValidTimeZone, parseSchedule } from '../scheduler/schedule.js';

/** A digest schedule, checked by the parser that runs it. */
const schedule = z.string().superRefine((text, ctx) => {
  try {
    assertMinInterval(parseSchedule(text));
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/** An IANA time zone, with the closest names when it is mistyped ("Europe/Kiyv"). */
const timeZone = z.string().superRefine((tz, ctx) => {
  if (isValidTimeZone(tz)) return;
  const near = closestZones(tz);
  ctx.addIssue({ code: 'custom', message: `unknown time zone "${tz}"; expected an IANA name such as Europe/Kyiv or UTC${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}` });
});

function closestZones(tz: string): string[] {
  const zones = Intl.supportedValuesOf('timeZone');
  const scored = zones.map((z) => ({ z, d: editDistance(tz.toLowerCase(), z.toLowerCase()) })).sort((a, b) => a.d - b.d);
  return scored.filter((s) => s.d <= Math.max(2, Math.floor(tz.length / 5))).slice(0, 2).map((s) => s.z);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/** A duration written as `90s`, `15m`, `6h`, `2d` or a bare number of seconds. */
const duration = z
  .union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'expected a duration like "15m", "6h" or "2d"')])
  .transform((v) => (typeof v === 'number' ? v * 1000 : parseDuration(v)));

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`expected a duration like "15m", "6h" or "2d", got "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}

const feedUrl = z.string().regex(/^(https?|file):/i, 'expected an http(s): or file: URL');

export const feedSchema = z.strictObject({
  url: feedUrl,
  title: z.string().min(1).optional(),
  interval: duration.optional(),
});

/** A term list entry: a word or phrase, matched on word boundaries, case-insensitively. */
const terms = z.array(z.string().min(1)).default([]);

export const ruleGroupSchema = z.strictObject({
  /** Shown by `explain`. */
  name: z.string().min(1),
  weight: z.number(),
  terms: z.array(z.string().min(1)).min(1),
  /** The group counts only when one of these also occurs anywhere in the article. */
  requires: terms,
  /** The group does not count when one of these occurs anywhere in the article. */
  unless: terms,
});

export const topicSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case id of letters, digits and dashes'),
  name: z.string().min(1),
  description: z.string().optional(),
  threshold: z.number().positive().default(3),
  /** How much a hit counts in each field of the article. */
  fieldWeights: z
    .strictObject({
      title: z.number().nonnegative().default(2),
      description: z.number().nonnegative().default(1.2),
      body: z.number().nonnegative().default(0.6),
      url: z.number().nonnegative().default(0.3),
    })
    .prefault({}),
  /** Rule groups: each contributes weight × the best field weight where one of its terms is found. */
  groups: z.array(ruleGroupSchema).min(1),
  /**
   * Phrases blanked out before matching, so their words count for nothing: "Patriot Act",
   * "Patriot Front", "Russian air defenses". The rest of the article is still judged.
   */
  mask: terms,
  /** Extra spellings folded into a canonical term before matching (e.g. ППО → air defense). */
  aliases: z.record(z.string(), z.array(z.string().min(1))).default({}),
});

export const configSchema = z.strictObject({
  /** An SQLite file, or a postgres:// URL (several workers on one database). */
  database: z.string().min(1).default('data/news-digest.db'),
  http: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(8080),
      /** Bind address of /healthz and /metrics: loopback unless the operator opens it (HTTP_HOST). */
      host: z.string().min(1).default('127.0.0.1'),
    })
    .prefault({}),
  fetch: z
    .strictObject({
      timeout: duration.default(20_000),
      maxBytes: z.number().int().positive().default(5 * 1024 * 1024),
      maxRedirects: z.number().int().min(0).max(20).default(5),
      userAgent: z.string().min(1).default('news-digest/0.1 (+https://github.com/news-digest/news-digest)'),
      concurrency: z.number().int().positive().max(64).default(8),
      /**
       * Hosts (names, IPs or CIDR ranges) that may be fetched although they are loopback, private,
       * link-local or otherwise internal. Empty: every internal address is refused.
       */
      allowHosts: z.array(z.string().min(1)).default([]),
      /** Article pages fetched at once, and the most fetched per poll (the rest wait for the next). */
      pageConcurrency: z.number().int().positive().max(32).default(4),
      pageBudget: z.number().int().nonnegative().default(50),
    })
    .prefault({}),
  polling: z
    .strictObject({
      interval: duration.default(15 * 60_000),
      maxBackoff: duration.default(6 * 3_600_000),
      /** How often the worker looks for feeds whose next poll time has come. */
      tick: z
        .string()
        .refine((t) => cron.validate(t), { message: 'expected a node-cron expression with seconds, such as "*/30 * * * * *"' })
        .default('*/30 * * * * *'),
    })
    .prefault({}),
  articles: z
    .strictObject({
      /** Fetch the page of an on-topic article whose feed text is shorter than this. */
      minTextChars: z.number().int().nonnegative().default(400),
      fetchPages: z.boolean().default(true),
    })
    .prefault({}),
  stories: z
    .strictObject({
      window: duration.default(7 * 86_400_000),
      // Overrides of the learned decisions (src/stories/event-model.json): the probability an
      // article must reach to join a story, and two stories to be folded into one ('off': never).
      joinProbability: z.number().min(0).max(1).optional(),
      mergeProbability: z.union([z.number().min(0).max(1), z.literal('off')]).optional(),
      // Threads (coverage of one subject across events): cosine to join one, and to fold two.
      threads: z
        .strictObject({
          threshold: z.number().min(0).max(1).default(0.25),
          mergeThreshold: z.number().min(0).max(1).default(0.19),
        })
        .prefault({}),
    })
    .prefault({}),
  digest: z
    .strictObject({
      schedule: schedule.default('daily 08:00'),
      timezone: timeZone.default('UTC'),
      maxStories: z.number().int().positive().max(100).default(10),
      firstLookback: duration.default(24 * 3_600_000),
      nothingNewNote: z.boolean().default(false),
    })
    .prefault({}),
  delivery: z
    .strictObject({
      /** How long a digest that fails for transient reasons keeps being retried before it is dead-lettered. */
      retryFor: duration.default(24 * 3_600_000),
      /**
       * How long a worker's claim on a digest lasts: a worker that dies mid-send leaves its digests
       * to the others after this. Longer than the slowest send (Telegram requests time out after 90 s).
       */
      lease: duration.refine((ms) => ms >= 15_000, { message: 'expected at least 15s' }).default(5 * 60_000),
      /** How often due digests and alerts are built and the outbox is sent. */
      tick: z
        .string()
        .refine((t) => cron.validate(t), { message: 'expected a node-cron expression with seconds, such as "*/15 * * * * *"' })
        .default('*/15 * * * * *'),
    })
    .prefault({}),
  retention: z
    .strictObject({
      /** Articles (with their decisions and story links) and digests older than this are pruned. */
      maxAge: duration.default(90 * 86_400_000),
    })
    .prefault({}),
  /** The stories on the web (src/web/): pages, Atom and JSON Feed, served on the worker's HTTP port. */
  web: z
    .strictObject({
      /** Zone of the times on the pages (a viewer may pass ?tz=); default: digest.timezone. */
      timezone: timeZone.optional(),
      /** Stories on one page of a day (the rest on ?page=2…). */
      storiesPerPage: z.number().int().positive().max(5000).default(100),
      /** Entries of each Atom / JSON feed: the stories changed last. */
      feedEntries: z.number().int().positive().max(1000).default(50),
      /** Public address when served behind a reverse proxy (https://news.example.org/digest): absolute links of the feeds; its path prefixes every link. */
      baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    })
    .prefault({}),
  feeds: z.array(feedSchema).default([]),
  topics: z.array(topicSchema).min(1),
});

export type Config = z.infer<typeof configSchema>;
export type TopicConfig = z.infer<typeof topicSchema>;
export type FeedConfig = z.infer<typeof feedSchema>;
