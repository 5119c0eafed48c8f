/**
 * The annual prepaid credit (PAY-11) and its refund on cancellation (PAY-12), as pure functions.
 *
 * The rules (also in README.md, "Billing rules"):
 * - A credit is bought: adding it issues an invoice for its amount (one PAY-11 line) charged to
 *   the account's payment method, so that a refund has a payment to go against.
 * - The period already paid runs to its end; the credit is drawn down from the next period start
 *   (`startsAt`). From then on no renewal is charged: the time is paid by the credit.
 * - Drawdown is seat-time at the account's period price, over credit periods of the account's
 *   cycle anchored at `startsAt` (`periodAt(startsAt, cycle, i)`). Over a piece of one credit
 *   period during which the terms do not change, the credit loses
 *
 *       period price (seat price x seats) x piece ms / credit period ms
 *
 *   rounded once per piece, half up (`divideHalfUp`). A credit of 12 months at 5 seats is
 *   therefore used up exactly 12 calendar months after it starts if the seats stay at 5.
 * - The projected end is the instant at which the balance reaches zero at the current terms:
 *   whole pieces are drawn while they cost less than what is left, then the last piece lasts
 *   `left x period ms / period price` ms (rounded half up). Drawing from the balance's date to
 *   that end costs exactly the balance. Every change of seats or plan settles the drawdown up to
 *   that instant at the old terms, and projects the end again at the new ones: fewer seats end
 *   later, more seats sooner.
 * - When the credit runs out, a fresh period starts at that instant and is charged then (no gap,
 *   no overlap): billing resumes anchored at the credit's end.
 * - PAY-12: on cancellation with credit left, `refund = remaining x ratio` (basis points, 5000 =
 *   0.5 by default, agreed when the credit is added), rounded half up; `fee retained = remaining
 *   - refund`, so the two add up to the remainder exactly.
 */
import type { AccountState, Refusal } from './account';
import { periodPrice } from './catalog';
import type { ChangeQuote, PlanChange } from './changes';
import type { InvoiceDraft, InvoiceLine } from './invoice';
import { divideHalfUp, formatMoney, type Currency, type Money } from './money';
import { isoDate, periodAt, type Cycle, type Period } from './periods';

/** PAY-12: the share of the unused remainder refunded on cancellation, in basis points. */
export const DEFAULT_REFUND_BASIS_POINTS = 5000;
export const BASIS_POINTS = 10_000;

/** What was settled when the account was cancelled with credit left (PAY-12). */
export interface CreditSettlement {
  readonly at: number;
  readonly remaining: number;
  readonly refund: number;
  readonly feeRetained: number;
  /** The processor's refund id, once refunded. */
  readonly refundId: string | null;
  /** Why the processor refused the refund, for ops; null otherwise. */
  readonly refundFailure: string | null;
}

export interface PrepaidCredit {
  /** The id of the invoice that bought the credit. */
  readonly creditId: string;
  /** The processor payment of that invoice: refunds go against it. */
  readonly paymentId: string;
  readonly currency: Currency;
  /** The amount bought, in minor units. */
  readonly amount: number;
  /** PAY-12: refund ratio in basis points agreed when the credit was added. */
  readonly refundBasisPoints: number;
  readonly addedAt: number;
  /** Drawdown starts here: the end of the period that was already paid. */
  readonly startsAt: number;
  /** True once `startsAt` is reached and renewals are paid by the credit. */
  readonly drawing: boolean;
  /** The drawdown is settled up to this instant (never before `startsAt`)... */
  readonly balanceAt: number;
  /** ...and this much was left then. */
  readonly balance: number;
  /** Set when the account was cancelled with the credit running (PAY-12). */
  readonly settlement: CreditSettlement | null;
}

/** The terms the credit is drawn at: the period price of the account's seats and its cycle. */
export interface DrawTerms {
  readonly periodPrice: number;
  readonly cycle: Cycle;
}

/** A credit asked for by support or ops (PAY-11). */
export interface PrepaidCreditRequest {
  readonly amount: number;
  readonly currency: Currency;
  /** PAY-12: refund ratio in basis points (0..10000); the settings' default when absent. */
  readonly refundBasisPoints?: number;
}

export type CreditRefusalCode =
  'PAYMENT_METHOD_REQUIRED' | 'CURRENCY_MISMATCH' | 'PREPAID_CREDIT_ACTIVE' | 'INVALID_CREDIT';

/** The credit periods (anchored at the credit's start) that overlap [from, to). */
function pieces(anchor: number, cycle: Cycle, from: number, to: number): Period[] {
  const result: Period[] = [];
  let index = indexAt(anchor, cycle, from);
  for (;;) {
    const period = periodAt(anchor, cycle, index);
    if (period.start >= to) return result;
    result.push(period);
    index += 1;
  }
}

function indexAt(anchor: number, cycle: Cycle, at: number): number {
  let index = 0;
  while (periodAt(anchor, cycle, index).end <= at) index += 1;
  return index;
}

function pieceCost(price: number, ms: number, length: number): number {
  return divideHalfUp(BigInt(price) * BigInt(ms), length);
}

/** What the credit loses between `from` and `to` at `terms` (seat-time, rounded per piece). */
export function drawn(anchor: number, terms: DrawTerms, from: number, to: number): number {
  if (to <= from) return 0;
  let total = 0;
  for (const period of pieces(anchor, terms.cycle, from, to)) {
    const start = Math.max(from, period.start);
    const end = Math.min(to, period.end);
    total += pieceCost(terms.periodPrice, end - start, period.end - period.start);
  }
  return total;
}

/**
 * The instant at which `balance`, left at `from`, reaches zero when drawn at `terms`; null when
 * nothing is drawn (a price of zero). Drawing from `from` to the result costs `balance` exactly.
 */
export function exhaustedAt(
  anchor: number,
  terms: DrawTerms,
  from: number,
  balance: number,
): number | null {
  if (balance <= 0) return from;
  if (terms.periodPrice <= 0) return null;
  let left = balance;
  let at = from;
  let index = indexAt(anchor, terms.cycle, from);
  for (;;) {
    const period = periodAt(anchor, terms.cycle, index);
    const length = period.end - period.start;
    const cost = pieceCost(terms.periodPrice, period.end - at, length);
    if (cost === left) return period.end;
    if (cost > left) {
      return at + divideHalfUp(BigInt(left) * BigInt(length), terms.periodPrice);
    }
    left -= cost;
    at = period.end;
    index += 1;
  }
}

/** PAY-12: the refund and the fee retained out of `remaining`; they add up to it exactly. */
export function refundSplit(
  remaining: number,
  refundBasisPoints: number,
): { readonly refund: number; readonly feeRetained: number } {
  const refund = divideHalfUp(BigInt(remaining) * BigInt(refundBasisPoints), BASIS_POINTS);
  return { refund, feeRetained: remaining - refund };
}

/** The credit of the account while it can still be drawn or refunded. */
export function liveCredit(state: AccountState): PrepaidCredit | null {
  const credit = state.prepaidCredit ?? null;
  return credit && credit.settlement === null ? credit : null;
}

/** The terms the credit is drawn at: the current ones, or those that apply when it starts. */
export function drawTerms(state: AccountState): DrawTerms {
  return creditDrawing(state) ? termsOf(state) : termsAtNextPeriod(state);
}

/** The terms of the next period: those scheduled for the next renewal, if any (PAY-3). */
function termsAtNextPeriod(state: AccountState): DrawTerms {
  return termsOf(state.pendingChange ?? state);
}

function termsOf(terms: PlanChange): DrawTerms {
  return {
    periodPrice: periodPrice(terms.plan, terms.seats, terms.cycle).amount,
    cycle: terms.cycle,
  };
}

/** What is left of the credit at `at` (its full balance before it starts). */
export function remainingAt(credit: PrepaidCredit, terms: DrawTerms, at: number): number {
  if (credit.settlement) return credit.settlement.remaining;
  if (!credit.drawing || at <= credit.balanceAt) return credit.balance;
  const end = exhaustedAt(credit.startsAt, terms, credit.balanceAt, credit.balance);
  const until = end === null ? at : Math.min(at, end);
  return Math.max(0, credit.balance - drawn(credit.startsAt, terms, credit.balanceAt, until));
}

/** PAY-11: when the credit runs out at the account's current terms; null if it never does. */
export function creditEndsAt(state: AccountState): number | null {
  const credit = liveCredit(state);
  if (!credit) return null;
  return exhaustedAt(credit.startsAt, drawTerms(state), credit.balanceAt, credit.balance);
}

/** The running credit with its drawdown settled up to `at` at the terms in force until then. */
export function settleCredit(state: AccountState, at: number): AccountState {
  const credit = liveCredit(state);
  if (!credit || !credit.drawing || at <= credit.balanceAt) return state;
  const balance = remainingAt(credit, drawTerms(state), at);
  return { ...state, prepaidCredit: { ...credit, balance, balanceAt: at } };
}

/** Whether renewals are paid by the credit now (it has started and is not settled). */
export function creditDrawing(state: AccountState): boolean {
  return liveCredit(state)?.drawing === true;
}

/** The credit starts being drawn: the renewal at `startsAt` is paid by it. */
export function startDrawing(state: AccountState): AccountState {
  const credit = liveCredit(state);
  if (!credit || credit.drawing) return state;
  return { ...state, prepaidCredit: { ...credit, drawing: true, balanceAt: credit.startsAt } };
}

/** Checks a request for a credit against the account (PAY-11). */
export function refusePrepaidCredit(
  state: AccountState,
  request: PrepaidCreditRequest,
): Refusal | null {
  if (state.status === 'cancelled' || state.status === 'deleted') {
    return {
      code: 'ACCOUNT_CLOSED',
      message: 'The account is cancelled; nothing more can be changed or charged.',
      clause: 'CAN-2',
    };
  }
  if (state.coupon) {
    return {
      code: 'PLAN_FIXED_BY_COUPON',
      message:
        'A lifetime-deal account is not billed by period; a prepaid credit has nothing to pay.',
      clause: 'LTD-4',
    };
  }
  if (state.status === 'suspended') {
    return {
      code: 'ACCOUNT_SUSPENDED',
      message: 'The account is suspended; attach a payment method before adding a credit.',
      clause: state.suspensionReason === 'trial_expired' ? 'PAY-1b' : 'PAY-13',
    };
  }
  if (!Number.isSafeInteger(request.amount) || request.amount < 1) {
    return {
      code: 'INVALID_CREDIT',
      message: 'A prepaid credit is a positive whole number of minor units.',
      clause: 'PAY-11',
    };
  }
  const ratio = request.refundBasisPoints;
  if (ratio !== undefined && (!Number.isSafeInteger(ratio) || ratio < 0 || ratio > BASIS_POINTS)) {
    return {
      code: 'INVALID_CREDIT',
      message: 'The refund ratio is a whole number of basis points from 0 to 10000.',
      clause: 'PAY-12',
    };
  }
  if (request.currency !== state.plan.currency) {
    return {
      code: 'CURRENCY_MISMATCH',
      message:
        `The account is billed in ${state.plan.currency}; a credit in ${request.currency} ` +
        'cannot pay for it.',
      clause: 'PAY-11',
    };
  }
  if (state.status !== 'active' || !state.billing || !state.paymentMethod) {
    return {
      code: 'PAYMENT_METHOD_REQUIRED',
      message:
        'A prepaid credit is paid by the account’s payment method, and this account has none ' +
        'yet; the owner attaches one first.',
      clause: 'PAY-11',
    };
  }
  if (liveCredit(state)) {
    return {
      code: 'PREPAID_CREDIT_ACTIVE',
      message:
        'The account already has a prepaid credit running; a new one can be added when it ' +
        'is used up.',
      clause: 'PAY-11',
    };
  }
  if (state.charge) {
    return {
      code: 'CHARGE_IN_PROGRESS',
      message: 'A charge for this account is in progress; try again in a moment.',
    };
  }
  if (state.unpaid) {
    return {
      code: 'CHARGE_IN_PROGRESS',
      message:
        'A declined renewal is being retried; a credit can be added once the period is paid.',
      clause: 'PAY-13',
    };
  }
  return null;
}

/** The invoice that buys a credit: one PAY-11 line, from the next period start. */
export function creditInvoice(args: {
  readonly invoiceId: string;
  readonly state: AccountState;
  readonly amount: number;
  readonly startsAt: number;
}): InvoiceDraft {
  const { state, amount, startsAt } = args;
  const currency = state.plan.currency;
  const end = exhaustedAt(startsAt, termsAtNextPeriod(state), startsAt, amount) ?? startsAt;
  const line: InvoiceLine = {
    description:
      `Prepaid credit of ${formatMoney({ amount, currency })}, drawn down by seat price from ` +
      `${isoDate(startsAt)} (projected to last until ${isoDate(end)} at the current seats)`,
    clause: 'PAY-11',
    periodStart: startsAt,
    periodEnd: end,
    quantity: 1,
    unitAmount: amount,
    amount,
  };
  return {
    invoiceId: args.invoiceId,
    accountId: state.accountId,
    currency,
    periodStart: startsAt,
    periodEnd: end,
    lines: [line],
    subtotal: amount,
    tax: 0,
    total: amount,
  };
}

/** A change of seats or plan while the credit pays the account's time: applies at once. */
export function creditChangeQuote(
  state: AccountState,
  change: PlanChange,
  now: number,
): ChangeQuote {
  const settled = settleCredit(state, now);
  const credit = liveCredit(settled)!;
  const before = exhaustedAt(credit.startsAt, drawTerms(settled), credit.balanceAt, credit.balance);
  const after = exhaustedAt(credit.startsAt, termsOf(change), credit.balanceAt, credit.balance);
  const newPrice: Money = periodPrice(change.plan, change.seats, change.cycle);
  const date = (at: number | null): string => (at === null ? 'never' : isoDate(at));
  return {
    kind: 'prepaid_credit',
    effective: 'now',
    clause: 'PAY-11',
    explanation:
      `The prepaid credit pays for the account's time, so the change applies at once and ` +
      `nothing is charged or refunded; the credit (${formatMoney({
        amount: credit.balance,
        currency: credit.currency,
      })} left) is now drawn at ${formatMoney(newPrice)} per ${change.cycle === 'annual' ? 'year' : 'month'} ` +
      `and runs out on ${date(after)} instead of ${date(before)}.`,
    chargeNow: { amount: 0, currency: change.plan.currency },
    nextInvoice: after === null ? null : { at: new Date(after).toISOString(), amount: newPrice },
  };
}

/** PAY-12: the credit at cancellation: what is left, refunded at its ratio, and the fee kept. */
export function settleOnCancellation(
  state: AccountState,
  at: number,
): { readonly state: AccountState; readonly settlement: CreditSettlement | null } {
  const credit = liveCredit(state);
  if (!credit) return { state, settlement: null };
  const remaining = remainingAt(credit, drawTerms(state), at);
  const { refund, feeRetained } = refundSplit(remaining, credit.refundBasisPoints);
  const settlement: CreditSettlement = {
    at,
    remaining,
    refund,
    feeRetained,
    refundId: null,
    refundFailure: null,
  };
  return { state: { ...state, prepaidCredit: { ...credit, settlement } }, settlement };
}

/** What the account's owner, support and ops see of the credit. */
export interface PrepaidCreditView {
  readonly creditId: string;
  readonly amount: Money;
  /** What is left at `remainingAt` (the whole amount until the credit starts). */
  readonly remaining: Money;
  readonly remainingAt: string;
  /** The balance as of the last settlement (the start, or the last change of seats or plan). */
  readonly balance: Money;
  readonly balanceAt: string;
  readonly startsAt: string;
  readonly drawing: boolean;
  /** PAY-11: when the credit runs out at the current seats; billing resumes then. */
  readonly projectedEndAt: string | null;
  readonly refundRatioBasisPoints: number;
  /** PAY-12: set when the account was cancelled with credit left. */
  readonly settlement: {
    readonly at: string;
    readonly remaining: Money;
    readonly refund: Money;
    readonly feeRetained: Money;
    readonly refundId: string | null;
  } | null;
}

export function viewCredit(state: AccountState, now?: number): PrepaidCreditView | null {
  const credit = state.prepaidCredit ?? null;
  if (!credit) return null;
  const currency = credit.currency;
  const amount = (value: number): Money => ({ amount: value, currency });
  const iso = (at: number): string => new Date(at).toISOString();
  const at = credit.settlement?.at ?? Math.max(now ?? credit.balanceAt, credit.balanceAt);
  const end = credit.settlement ? null : creditEndsAt(state);
  return {
    creditId: credit.creditId,
    amount: amount(credit.amount),
    remaining: amount(remainingAt(credit, drawTerms(state), at)),
    remainingAt: iso(at),
    balance: amount(credit.balance),
    balanceAt: iso(credit.balanceAt),
    startsAt: iso(credit.startsAt),
    drawing: credit.drawing && !credit.settlement,
    projectedEndAt: end === null ? null : iso(end),
    refundRatioBasisPoints: credit.refundBasisPoints,
    settlement: credit.settlement
      ? {
          at: iso(credit.settlement.at),
          remaining: amount(credit.settlement.remaining),
          refund: amount(credit.settlement.refund),
          feeRetained: amount(credit.settlement.feeRetained),
          refundId: credit.settlement.refundId,
        }
      : null,
  };
}
