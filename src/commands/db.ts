import { copyDatabase } from '../db/copy.js';
import { Store, displayName, isPostgresUrl } from '../db/store.js';
import { UsageError, type CommandContext } from './context.js';

const USAGE = 'usage: db copy --to postgres://USER:PASSWORD@HOST:5432/DATABASE (copies this database, --db or the config\'s, into an empty one)';

/**
 * `db copy --to URL`: the whole database (feeds, articles, decisions, stories and term
 * statistics, subscriptions, digests, outbox) into an empty one, usually PostgreSQL, so a bot that
 * outgrows one machine keeps its history and subscribers. Stop the worker first.
 */
export async function dbCommand(ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = ctx.args;
  if (sub !== 'copy' || rest.length) throw new UsageError(USAGE);
  const to = ctx.options.to;
  if (!to) throw new UsageError(`db copy: missing --to; ${USAGE}`);
  if (!isPostgresUrl(to) && !/\.db$|\.sqlite3?$/i.test(to)) throw new UsageError(`db copy: --to expects a postgres:// URL (or an SQLite .db file); got "${to.slice(0, 60)}"`);
  if (to === ctx.app.config.database || to === ctx.app.db.name) throw new UsageError('db copy: --to names the database being copied');
  const target = await Store.open(to);
  try {
    const report = await copyDatabase(ctx.app.db, target, (table, rows) => {
      if (!ctx.options.json) ctx.out(`  ${table}: ${rows} ${rows === 1 ? 'row' : 'rows'}`);
    });
    if (ctx.options.json) ctx.out(JSON.stringify({ from: ctx.app.db.name, to: displayName(to), ...report }, null, 2));
    else ctx.out(`copied ${ctx.app.db.name} into ${displayName(to)} in ${(report.durationMs / 1000).toFixed(1)} s; row counts match on both sides. Point the workers at it with DATABASE_URL.`);
    return 0;
  } finally {
    await target.close();
  }
}
