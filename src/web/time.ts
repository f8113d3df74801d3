import { DateTime } from 'luxon';
import { isValidTimeZone } from '../scheduler/schedule.js';

/** A bad ?tz= or ?day=: answered 400 with this message. */
export class BadRequest extends Error {}

/** The zone a page is shown in: ?tz= when valid, else the configured default. */
export function zoneOf(param: string | null, fallback: string): string {
  if (param === null || param === '') return fallback;
  if (param.length > 64 || !isValidTimeZone(param)) throw new BadRequest(`unknown time zone "${param}": expected an IANA name such as Europe/Kyiv or UTC`);
  return param;
}

/** The day [start, end) in ms of `yyyy-MM-dd` in `zone` (days are not always 24 h long). */
export function dayBounds(day: string, zone: string): { day: string; from: number; to: number } {
  const start = /^\d{4}-\d\d-\d\d$/.test(day) ? DateTime.fromISO(day, { zone }) : DateTime.invalid('format');
  if (!start.isValid) throw new BadRequest(`invalid day "${day}": expected a date like 2026-11-20`);
  return { day, from: start.toMillis(), to: start.plus({ days: 1 }).toMillis() };
}

export function dayOf(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISODate()!;
}

// Intl formatters are built once per zone: luxon's toFormat per story would cost a 1,000-story page ~50 ms.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** "20 Nov 2026, 14:05" in `zone`. */
export function formatTime(ms: number, zone: string): string {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(zone, f);
  }
  return f.format(ms);
}

/** "Friday 20 November 2026". */
export function formatDay(day: string, zone: string): string {
  return DateTime.fromISO(day, { zone }).setLocale('en-GB').toFormat('cccc d LLLL yyyy');
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
