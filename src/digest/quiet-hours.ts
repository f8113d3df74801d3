import { DateTime } from 'luxon';

export interface QuietHours {
  /** Local "HH:MM" in the subscription's time zone. */
  start: string;
  end: string;
  mode: 'wait' | 'silent';
}

const RANGE = /^([01]?\d|2[0-3])[:.]([0-5]\d)\s*[-–—]\s*([01]?\d|2[0-3])[:.]([0-5]\d)$/;

/** "22:00-07:00" → start and end as "HH:MM"; undefined when it is not such a range. */
export function parseQuietRange(text: string): { start: string; end: string } | undefined {
  const m = RANGE.exec(text.trim());
  if (!m) return undefined;
  const hhmm = (h: string, min: string) => `${h.padStart(2, '0')}:${min}`;
  const start = hhmm(m[1]!, m[2]!);
  const end = hhmm(m[3]!, m[4]!);
  return start === end ? undefined : { start, end };
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/**
 * When the quiet hours around `now` end (epoch ms), or null when `now` is outside them. Computed
 * on the local wall clock of `zone`, so a night that gains or loses an hour at a DST change still
 * ends at the local end time (an end time that does not exist that night, inside the spring-forward
 * gap, is moved forward by the gap, as luxon does).
 */
export function quietUntil(quiet: Pick<QuietHours, 'start' | 'end'>, zone: string, now: number): number | null {
  const local = DateTime.fromMillis(now, { zone });
  const t = local.hour * 60 + local.minute;
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  const inside = start < end ? t >= start && t < end : t >= start || t < end;
  if (!inside) return null;
  const day = t < end ? local : local.plus({ days: 1 });
  const until = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour: Math.floor(end / 60), minute: end % 60 }, { zone });
  return until.toMillis();
}
