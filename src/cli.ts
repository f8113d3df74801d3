#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createApp, type App } from './app.js';
import { DatabaseOpenError } from './db/store.js';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from './config/load.js';
import { loadDotEnv } from './config/env.js';
import { createLogger, type Logger } from './logger.js';
import { UsageError, type CliOptions, type CommandContext } from './commands/context.js';
import { pollCommand } from './commands/poll.js';
import { feedsCommand } from './commands/feeds.js';
import { articlesCommand } from './commands/articles.js';

export const HELP = `news-digest: watch news feeds, keep the stories on your topics, send digests.

usage: npm run cli -- <command> [options]

commands:
  poll                              poll every feed once, process, print per-feed results
  feeds list | add URL [--force] | remove ID|URL | import FILE.opml
                                    add checks the URL once (a feed, or an HTML page linking one)
  articles [--topic ID] [--limit N] [--json]  articles with their topic decisions and story
  stories [--topic ID] [--since ISO] [--limit N] [--json]
  explain <article id or URL>       why an article is (not) on a topic, and its story
  preview [--chat PLATFORM:ID | --topic ID] [--format text|telegram|slack] [--json]
  subscriptions list [--json]
  outbox [list] [--json]            digests not delivered: dead (gave up after delivery.retryFor), failed, waiting
  outbox resend <id>... | --all     queue dead or failed digests again (--all: every dead one)
  eval [--corpus DIR] [--holdout] [--json]  measure topic matching and story grouping on the corpus
  run                               the long-running worker (what npm start runs)
  db copy --to postgres://…         copy this database (SQLite) into an empty PostgreSQL one

global options (before or after the command):
  --config FILE   config file (default ${DEFAULT_CONFIG_FILE})
  --db FILE|URL   SQLite file or postgres:// URL (default: DATABASE_URL, else DATABASE_PATH, else the config's "database")
  --json          machine-readable output on stdout; logs go to stderr
  --version, -v   the version;  <command> --help: that command's usage
`;

type Command = (ctx: CommandContext) => Promise<number>;

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Commands that need no database are listed apart so `eval` and `help` do not create one. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  poll: async () => pollCommand,
  feeds: async () => feedsCommand,
  articles: async () => articlesCommand,
  stories: async () => (await import('./commands/stories.js')).storiesCommand,
  explain: async () => (await import('./commands/explain.js')).explainCommand,
  preview: async () => (await import('./commands/preview.js')).previewCommand,
  subscriptions: async () => (await import('./commands/subscriptions.js')).subscriptionsCommand,
  outbox: async () => (await import('./commands/outbox.js')).outboxCommand,
  run: async () => (await import('./commands/run.js')).runCommand,
  db: async () => (await import('./commands/db.js')).dbCommand,
};

/** Commands that read: they need an existing database and never add the config's feeds to it. */
const READS = new Set(['articles', 'stories', 'explain', 'preview', 'subscriptions', 'outbox', 'db']);

const NO_DB: Record<string, () => Promise<(options: CliOptions, args: string[], out: (l: string) => void, log: Logger) => Promise<number>>> = {
  eval: async () => (await import('./commands/eval.js')).evalCommand,
};

export function parseCli(argv: string[]): { command: string | undefined; args: string[]; options: CliOptions } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        db: { type: 'string' },
        json: { type: 'boolean' },
        topic: { type: 'string' },
        since: { type: 'string' },
        corpus: { type: 'string' },
        holdout: { type: 'boolean' },
        chat: { type: 'string' },
        format: { type: 'string' },
        all: { type: 'boolean' },
        force: { type: 'boolean' },
        limit: { type: 'string' },
        to: { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional argument.*$/, '')}\nrun with --help for usage`);
  }
  const [command, ...args] = parsed.positionals;
  return { command, args, options: parsed.values as CliOptions };
}

export async function runCli(argv: string[], out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  let app: App | undefined;
  try {
    // `poll` prints each feed's failure on its line: its log warnings would say it twice.
    const quietPoll = argv.includes('poll') && !process.env.LOG_LEVEL?.trim();
    const log = createLogger(quietPoll ? { level: 'error' } : {});
    const { command, args, options } = parseCli(argv);
    if (options.version) {
      out(`news-digest ${VERSION}`);
      return 0;
    }
    if (options.help && command && command !== 'help') {
      // `<command> --help`: that command's lines of the help, and the global options.
      const lines = HELP.split('\n').filter((l) => l.startsWith(`  ${command} `) || l === `  ${command}`);
      if (lines.length) {
        out(`usage: npm run cli -- <command> [options]\n\n${lines.join('\n')}\n\n${HELP.slice(HELP.indexOf('global options'))}`);
        return 0;
      }
    }
    if (options.help || !command || command === 'help') {
      out(HELP);
      return command || options.help ? 0 : 2;
    }
    const noDb = NO_DB[command];
    if (noDb) return await (await noDb())(options, args, out, log);
    const load = COMMANDS[command];
    if (!load) throw new UsageError(`unknown command "${command}"; commands: ${[...Object.keys(COMMANDS), ...Object.keys(NO_DB)].join(', ')}`);
    const config = loadConfig(options.config ?? DEFAULT_CONFIG_FILE);
    const handler = await load();
    // Only the commands that poll apply the config's feeds to the database.
    app = await createApp(config, log, { dbPath: options.db, existing: READS.has(command), seedFeeds: command === 'run' || command === 'poll' });
    return await handler({ app, args, options, out });
  } catch (err) {
    // Errors that carry an exit code are expected ones (config, usage, database, start-up): one line.
    if (err instanceof ConfigError || err instanceof UsageError || err instanceof DatabaseOpenError || typeof (err as { exitCode?: unknown }).exitCode === 'number') {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      return (err as { exitCode: number }).exitCode;
    }
    // One line; the stack only for whoever asked for it.
    const debug = /^(debug|trace)$/i.test(process.env.LOG_LEVEL ?? '');
    process.stderr.write(`error: ${debug ? ((err as Error).stack ?? String(err)) : ((err as Error).message ?? String(err))}${debug ? '' : ' (LOG_LEVEL=debug shows where)'}\n`);
    return 1;
  } finally {
    await app?.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // `npm run cli`: the same .env as `npm start`, so both use one database and one port.
  try {
    loadDotEnv();
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(2);
  }
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
