/**
 * Seat-time billing of a lifetime-deal account's extra seats (LTD-5), as pure functions.
 *
 * The unit is the millisecond of extra-seat time. A line covers one interval of the calendar
 * month (UTC) during which the number of extra seats did not change; its amount is
 *
 *     monthly seat price * extra seats * interval milliseconds / month milliseconds
 *
 * rounded once per line, half up ({@link prorate}). The invoice total is the sum of its lines,
 * so what the customer reads on each line adds up to what is charged. For whole days this is
 * exactly "seat-days / days in month * monthly price"; a change at 14:30 counts from 14:30.
 */
import { prorate, sum, type Money } from './money';
import type { InvoiceDraft, InvoiceLine } from './invoice';
import type { Period } from './periods';

/** From `at` on, `seats` seats are in use (until the next change). */
export interface SeatChange {
  readonly at: number;
  readonly seats: number;
}

export interface ExtraSeatInterval {
  readonly start: number;
  readonly end: number;
  readonly extraSeats: number;
}

/** The UTC calendar month that contains `at`. */
export function calendarMonth(at: number): Period {
  const d = new Date(at);
  return {
    start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

/**
 * The intervals of `period` with more seats in use than `included`, merged where the number of
 * extra seats stays the same. Time before the first change is not counted (the account did
 * not exist); changes outside the period only set the seats in use at its start.
 */
export function extraSeatIntervals(
  log: readonly SeatChange[],
  included: number,
  period: Period,
): ExtraSeatInterval[] {
  const sorted = [...log].sort((a, b) => a.at - b.at);
  const intervals: ExtraSeatInterval[] = [];
  for (let i = 0; i < sorted.length; i += 1) {
    const change = sorted[i];
    const start = Math.max(change.at, period.start);
    const end = Math.min(sorted[i + 1]?.at ?? period.end, period.end);
    const extraSeats = Math.max(0, change.seats - included);
    if (end <= start || extraSeats === 0) continue;
    const last = intervals[intervals.length - 1];
    if (last && last.end === start && last.extraSeats === extraSeats) {
      intervals[intervals.length - 1] = { ...last, end };
    } else {
      intervals.push({ start, end, extraSeats });
    }
  }
  return intervals;
}

/** One invoice line per interval (LTD-5), each rounded once, half up. */
export function seatTimeLines(
  intervals: readonly ExtraSeatInterval[],
  monthlySeatPrice: Money,
  month: Period,
): InvoiceLine[] {
  const monthMs = month.end - month.start;
  return intervals.map((interval) => ({
    description:
      `${interval.extraSeats} extra seat${interval.extraSeats === 1 ? '' : 's'}, ` +
      `${isoMinute(interval.start)} – ${isoMinute(interval.end)}`,
    clause: 'LTD-5',
    periodStart: interval.start,
    periodEnd: interval.end,
    quantity: interval.extraSeats,
    unitAmount: monthlySeatPrice.amount,
    amount: prorate(
      monthlySeatPrice,
      interval.extraSeats * (interval.end - interval.start),
      monthMs,
    ).amount,
  }));
}

/** The in-arrears extra-seat invoice of one month; null when nothing is owed (LTD-9). */
export function seatTimeInvoice(args: {
  readonly invoiceId: string;
  readonly accountId: string;
  readonly monthlySeatPrice: Money;
  readonly includedSeats: number;
  readonly log: readonly SeatChange[];
  readonly month: Period;
}): InvoiceDraft | null {
  const intervals = extraSeatIntervals(args.log, args.includedSeats, args.month);
  const lines = seatTimeLines(intervals, args.monthlySeatPrice, args.month).filter(
    (line) => line.amount > 0,
  );
  if (lines.length === 0) return null;
  const currency = args.monthlySeatPrice.currency;
  const subtotal = sum(
    lines.map((line): Money => ({ amount: line.amount, currency })),
    currency,
  ).amount;
  return {
    invoiceId: args.invoiceId,
    accountId: args.accountId,
    currency,
    periodStart: args.month.start,
    periodEnd: args.month.end,
    lines,
    subtotal,
    tax: 0,
    total: subtotal,
  };
}

function isoMinute(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
