import { periodPrice, type PlanTerms } from './catalog';
import { prorate, subtract, sum, type Currency, type Money } from './money';
import type { Cycle, Period } from './periods';

/** The clause of the terms that a line is charged under. */
export type ClauseId = 'PAY-1c' | 'PAY-1d' | 'PAY-2a' | 'PAY-3' | 'PAY-11' | 'ACCT-2' | 'LTD-5';

export interface InvoiceLine {
  readonly description: string;
  readonly clause: ClauseId;
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly quantity: number;
  readonly unitAmount: number;
  readonly amount: number;
  /** How a computed amount was reached (e.g. a proration), for the reader of the invoice. */
  readonly formula?: string;
}

/** An invoice as the policy decides it; numbered and stored by the store when it is paid. */
export interface InvoiceDraft {
  readonly invoiceId: string;
  readonly accountId: string;
  readonly currency: Currency;
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly lines: readonly InvoiceLine[];
  readonly subtotal: number;
  readonly tax: number;
  readonly total: number;
  /** How the invoice is taxed (PAY-10); absent on invoices decided before VAT applied. */
  readonly taxTreatment?: InvoiceTaxTreatment;
}

/** The VAT treatment an invoice was issued under, with its legal note (reverse charge). */
export interface InvoiceTaxTreatment {
  readonly treatment: 'domestic' | 'eu_consumer' | 'reverse_charge' | 'outside_eu' | 'no_details';
  readonly country: string | null;
  readonly rateBasisPoints: number;
  readonly note?: string;
}

export function invoiceId(accountId: string, sequence: number): string {
  return `${accountId}-${String(sequence).padStart(4, '0')}`;
}

/** The prepaid subscription invoice for one whole period (PAY-1c for the first, PAY-1d after). */
export function subscriptionInvoice(args: {
  readonly invoiceId: string;
  readonly accountId: string;
  readonly plan: PlanTerms;
  readonly seats: number;
  readonly cycle: Cycle;
  readonly period: Period;
  readonly first: boolean;
  /** Clause override, e.g. PAY-3 for a period started by a cycle switch without credit. */
  readonly clause?: ClauseId;
  /** Lines added to this period's invoice (e.g. an ACCT-2 surcharge). */
  readonly extraLines?: readonly InvoiceLine[];
}): InvoiceDraft {
  const { plan, seats, cycle, period } = args;
  const unitAmount = plan.seatPrice[cycle];
  const amount = periodPrice(plan, seats, cycle).amount;
  const line: InvoiceLine = {
    description:
      `${plan.name} plan, ${seats} seat${seats === 1 ? '' : 's'} x ${unitAmount} ` +
      `${plan.currency} minor units, ${cycle}, prepaid`,
    clause: args.clause ?? (args.first ? 'PAY-1c' : 'PAY-1d'),
    periodStart: period.start,
    periodEnd: period.end,
    quantity: seats,
    unitAmount,
    amount,
  };
  return draft(args.invoiceId, args.accountId, plan.currency, period, [
    line,
    ...(args.extraLines ?? []),
  ]);
}

/**
 * PAY-2a: the prorated difference of an upgrade on a non-monthly cycle, charged at once:
 * `(new period price - old period price) * remaining ms / period ms`, rounded once, half up.
 */
export function prorationLine(args: {
  readonly oldPrice: Money;
  readonly newPrice: Money;
  readonly period: Period;
  readonly now: number;
  readonly description: string;
}): InvoiceLine {
  const { oldPrice, newPrice, period, now } = args;
  const difference = subtract(newPrice, oldPrice);
  const remaining = Math.max(0, Math.min(period.end - now, period.end - period.start));
  const length = period.end - period.start;
  const amount = Math.max(0, prorate(difference, remaining, length).amount);
  return {
    description: args.description,
    clause: 'PAY-2a',
    periodStart: Math.min(Math.max(now, period.start), period.end),
    periodEnd: period.end,
    quantity: 1,
    unitAmount: amount,
    amount,
    formula:
      `(${newPrice.amount} - ${oldPrice.amount}) * ${remaining} ms / ${length} ms ` +
      `= ${amount} (rounded half up)`,
  };
}

/** An invoice of the given lines (a proration, a surcharge); its total is the sum of its lines. */
export function linesInvoice(args: {
  readonly invoiceId: string;
  readonly accountId: string;
  readonly currency: Currency;
  readonly period: Period;
  readonly lines: readonly InvoiceLine[];
}): InvoiceDraft {
  return draft(args.invoiceId, args.accountId, args.currency, args.period, args.lines);
}

function draft(
  id: string,
  accountId: string,
  currency: Currency,
  period: Period,
  lines: readonly InvoiceLine[],
): InvoiceDraft {
  const subtotal = sum(
    lines.map((line): Money => ({ amount: line.amount, currency })),
    currency,
  ).amount;
  const tax = 0;
  return {
    invoiceId: id,
    accountId,
    currency,
    periodStart: period.start,
    periodEnd: period.end,
    lines,
    subtotal,
    tax,
    total: subtotal + tax,
  };
}
