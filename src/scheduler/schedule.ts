import { CronExpressionParser } from 'cron-parser';
import { IANAZone } from 'luxon';

/** A digest schedule as users type it, turned into cron expressions evaluated in their time zone. */
export interface Schedule {
  /** The canonical text form ("daily 08:00"). */
  text: string;
  /** Cron expressions (5 fields); empty when off. */
  crons: string[];
}

export class ScheduleError extends Error {}

export const SCHEDULE_HELP = 'daily 08:00 | twice 08:00 20:00 | weekdays 09:00 | every 3h | off | a cron expression such as "30 7 * * 1-5"';

function hm(text: string): [number, number] {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!m) throw new ScheduleError(`"${text}" is not a time of day; expected HH:MM, e.g. 08:00`);
  return [Number(m[1]), Number(m[2])];
}

/**
 * Parses `daily 08:00`, `twice 08:00 20:00`, `weekdays 09:00`, `every 3h` (also `every 30m`),
 * `off`, or a raw 5-field cron expression. Throws ScheduleError with the accepted forms.
 */
export function parseSchedule(input: string): Schedule {
  const text = input.trim().replace(/\s+/g, ' ').toLowerCase();
  const words = text.split(' ');
  const [kind, ...rest] = words;
  switch (kind) {
    case 'off':
      if (rest.length) break;
      return { text: 'off', crons: [] };
    case 'daily': {
      if (rest.length !== 1) break;
      const [h, m] = hm(rest[0]!);
      return { text: `daily ${pad(h)}:${pad(m)}`, crons: [`${m} ${h} * * *`] };
    }
    case 'weekdays': {
      if (rest.length !== 1) break;
      const [h, m] = hm(rest[0]!);
      return { text: `weekdays ${pad(h)}:${pad(m)}`, crons: [`${m} ${h} * * 1-5`] };
    }
    case 'twice': {
      if (rest.length !== 2) break;
      const [[h1, m1], [h2, m2]] = [hm(rest[0]!), hm(rest[1]!)];
      if (h1 === h2 && m1 === m2) throw new ScheduleError('twice needs two different times, e.g. twice 08:00 20:00');
      return { text: `twice ${pad(h1)}:${pad(m1)} ${pad(h2)}:${pad(m2)}`, crons: [`${m1} ${h1} * * *`, `${m2} ${h2} * * *`] };
    }
    case 'every': {
      const m = rest.length === 1 ? /^(\d+)(h|m)$/.exec(rest[0]!) : null;
      if (!m) break;
      const n = Number(m[1]);
      if (m[2] === 'h') {
        if (n < 1 || n > 24 || 24 % n !== 0) throw new ScheduleError(`every ${n}h: the hours must divide a day (1, 2, 3, 4, 6, 8, 12 or 24)`);
        return { text: `every ${n}h`, crons: [n === 24 ? '0 0 * * *' : `0 */${n} * * *`] };
      }
      if (n < 15 || n > 60 || 60 % n !== 0) throw new ScheduleError(`every ${n}m: minutes must be 15, 20, 30 or 60`);
      return { text: `every ${n}m`, crons: [n === 60 ? '0 * * * *' : `*/${n} * * * *`] };
    }
    default:
      if (words.length === 5) {
        try {
          CronExpressionParser.parse(text, { tz: 'UTC' });
        } catch (err) {
          throw new ScheduleError(`"${input.trim()}" is not a valid cron expression (${(err as Error).message})`);
        }
        return { text, crons: [text] };
      }
  }
  throw new ScheduleError(`"${input.trim()}" is not a schedule; use ${SCHEDULE_HELP}`);
}

/**
 * The fewest minutes a digest schedule may leave between two digests. Users type cron
 * expressions; "* * * * *" would build and send a digest every minute.
 */
export const MIN_INTERVAL_MINUTES = 15;

const DAY_MINUTES = 24 * 60;

/**
 * The shortest gap, in minutes, between two firings of the schedule (all its expressions
 * together). The minute and hour fields give the times of day; days are assumed consecutive, so
 * 23:55 and 00:05 count as 10 minutes apart even when the day fields would keep them apart
 * (strict on purpose: the check must not miss a frequent schedule).
 */
export function shortestGapMinutes(schedule: Schedule): number {
  const times = new Set<number>();
  for (const expr of schedule.crons) {
    const { fields } = CronExpressionParser.parse(expr, { tz: 'UTC' });
    for (const h of fields.hour.values) for (const m of fields.minute.values) times.add(Number(h) * 60 + Number(m));
  }
  const sorted = [...times].sort((a, b) => a - b);
  if (!sorted.length) return Infinity;
  let gap = DAY_MINUTES - sorted.at(-1)! + sorted[0]!; // across midnight
  for (let i = 1; i < sorted.length; i++) gap = Math.min(gap, sorted[i]! - sorted[i - 1]!);
  return gap;
}

/** Throws ScheduleError when the schedule would fire more often than every MIN_INTERVAL_MINUTES. */
export function assertMinInterval(schedule: Schedule): void {
  const gap = shortestGapMinutes(schedule);
  if (gap < MIN_INTERVAL_MINUTES) {
    throw new ScheduleError(`"${schedule.text}" would send digests ${gap} minute${gap === 1 ? '' : 's'} apart; leave at least ${MIN_INTERVAL_MINUTES} minutes between digests`);
  }
}

/**
 * The first time strictly after `after` at which the schedule fires in `timeZone`. Local times
 * that do not exist (spring forward) fire once just after the jump; repeated local times (fall
 * back) fire once: cron-parser evaluates the expression on the zone's wall clock.
 */
export function nextRun(schedule: Schedule, timeZone: string, after: number): number | null {
  let best: number | null = null;
  for (const expr of schedule.crons) {
    const t = CronExpressionParser.parse(expr, { currentDate: new Date(after), tz: timeZone }).next().getTime();
    if (best === null || t < best) best = t;
  }
  return best;
}

/** An IANA zone name such as Europe/Kyiv (luxon's check against the runtime's zone data). */
export function isValidTimeZone(tz: string): boolean {
  return IANAZone.isValidZone(tz);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
