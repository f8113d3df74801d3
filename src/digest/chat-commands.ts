import { MAX_FILTERS } from './filters.js';
import { CommandError, filterText, type Platform, type SubscriptionService } from './subscriptions.js';

/**
 * The alert, quiet-hours and filter commands, worded once for every platform: adapters parse the
 * platform's command into (chat, argument) and send back the plain text answer, escaped their way.
 * Errors are CommandErrors whose message is the reply.
 */
export class ChatCommands {
  constructor(private readonly subs: SubscriptionService) {}

  /** `alerts 3 [skip-digest]`, `alerts off`, or `alerts` for the current setting. */
  async alerts(platform: Platform, chatId: string, arg: string): Promise<string> {
    if (!arg) return `${await this.line(platform, chatId, 'Alerts')}\nUsage: alerts N [skip-digest] or alerts off, e.g. alerts 3`;
    const sub = await this.subs.setAlerts(platform, chatId, arg);
    if (sub.alertThreshold === null) return 'Alerts off: stories come only in the digest.';
    const n = sub.alertThreshold;
    return `Alerts on: a story is posted here as soon as ${n === 1 ? 'one outlet reports' : `${n} different outlets report`} it, and that message is updated as more outlets join (at most every 10 minutes). Alerted stories are ${sub.alertSkipDigest ? 'left out of' : 'marked in'} the digest.`;
  }

  /** `quiet 22:00-07:00 [wait|silent]`, `quiet off`, or `quiet` for the current setting. */
  async quiet(platform: Platform, chatId: string, arg: string): Promise<string> {
    if (!arg) return `${await this.line(platform, chatId, 'Quiet hours')}\nUsage: quiet 22:00-07:00 [wait|silent] or quiet off`;
    const sub = await this.subs.setQuiet(platform, chatId, arg);
    if (!sub.quiet) return 'Quiet hours off: alerts come as soon as they are ready.';
    const { start, end, mode } = sub.quiet;
    return `Quiet hours ${start}–${end} (${sub.timezone}): ${mode === 'wait' ? `alerts wait until ${end}` : 'alerts come without a sound'}. Digests keep their schedule.`;
  }

  /** `filter add ±word`, `filter remove ±word`, `filter list`, `filter clear`. */
  async filter(platform: Platform, chatId: string, arg: string): Promise<string> {
    const [action = 'list', ...rest] = arg.trim().split(/\s+/).filter(Boolean);
    const term = rest.join(' ');
    switch (action.toLowerCase()) {
      case 'add': {
        const f = await this.subs.addFilter(platform, chatId, term);
        const count = (await this.subs.filters((await this.subs.get(platform, chatId))!.id)).length;
        const effect = f.kind === 'exclude' ? `stories with “${f.term}” in the headline or summary are left out` : `only stories with “${f.term}” (or another + word) in the headline or summary come`;
        return `Filter added: ${filterText(f)} — ${effect}. ${count} of ${MAX_FILTERS} filters.`;
      }
      case 'remove':
      case 'rm':
      case 'delete':
        return `Filter removed: ${filterText(await this.subs.removeFilter(platform, chatId, term))}.`;
      case 'clear': {
        const n = await this.subs.clearFilters(platform, chatId);
        return n ? `Removed ${n} ${n === 1 ? 'filter' : 'filters'}: every story of your topics comes again.` : 'There were no filters.';
      }
      case 'list': {
        const sub = await this.subs.get(platform, chatId);
        if (!sub) throw new CommandError('This chat has no subscription yet. Subscribe first.');
        const filters = await this.subs.filters(sub.id);
        if (!filters.length) return 'No filters: every story of your topics comes. Add one: filter add -word (leave out) or filter add +word (only these).';
        return `Filters (${filters.length} of ${MAX_FILTERS}):\n${filters.map(filterText).join('\n')}`;
      }
      default:
        throw new CommandError('Usage: filter add -word | filter add +word | filter remove -word | filter list | filter clear');
    }
  }

  /** One line of the settings (`Alerts: …`), for a command given without an argument. */
  private async line(platform: Platform, chatId: string, label: string): Promise<string> {
    const sub = await this.subs.get(platform, chatId);
    if (!sub) throw new CommandError('This chat has no subscription yet. Subscribe first.');
    return (await this.subs.describe(sub)).split('\n').find((l) => l.startsWith(`${label}:`))!;
  }
}
