/**
 * Calendar arithmetic in UTC on epoch milliseconds. Pure: `now` is always a parameter.
 */
export const DAY_MS = 24 * 60 * 60 * 1000;

export type Cycle = 'monthly' | 'annual';

export function addDays(at: number, days: number): number {
  return at + days * DAY_MS;
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * The instant `months` calendar months after `anchor`, on the anchor's day of month clamped to
 * the target month's last day (Jan 31 + 1 month = Feb 28/29; Jan 31 + 2 months = Mar 31).
 * Always computed from the anchor, never chained, so a clamped month returns to the anchor day.
 */
export function addMonths(anchor: number, months: number): number {
  const a = new Date(anchor);
  const totalMonths = a.getUTCFullYear() * 12 + a.getUTCMonth() + months;
  const year = Math.floor(totalMonths / 12);
  const monthIndex = totalMonths - year * 12;
  const day = Math.min(a.getUTCDate(), daysInMonth(year, monthIndex));
  return Date.UTC(
    year,
    monthIndex,
    day,
    a.getUTCHours(),
    a.getUTCMinutes(),
    a.getUTCSeconds(),
    a.getUTCMilliseconds(),
  );
}

export function monthsPerCycle(cycle: Cycle): number {
  return cycle === 'annual' ? 12 : 1;
}

export interface Period {
  readonly start: number;
  readonly end: number;
}

/** The `index`-th billing period (0-based) of a cycle anchored at `anchor`. */
export function periodAt(anchor: number, cycle: Cycle, index: number): Period {
  const step = monthsPerCycle(cycle);
  return { start: addMonths(anchor, index * step), end: addMonths(anchor, (index + 1) * step) };
}

/** ISO date (YYYY-MM-DD) of an instant, in UTC. */
export function isoDate(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

function startOfUtcDay(at: number): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

/** Mon–Fri and not in `holidays` (ISO dates). */
export function isBusinessDay(at: number, holidays: readonly string[]): boolean {
  const weekday = new Date(at).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !holidays.includes(isoDate(at));
}

/**
 * The last millisecond of the first business day strictly after the day of `now` (UTC).
 * A request on Friday evening is due by the end of Monday (or Tuesday if Monday is a holiday).
 */
export function endOfNextBusinessDay(now: number, holidays: readonly string[]): number {
  let day = startOfUtcDay(now) + DAY_MS;
  while (!isBusinessDay(day, holidays)) day += DAY_MS;
  return day + DAY_MS - 1;
}
