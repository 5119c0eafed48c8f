import { periodPrice, type PlanTerms } from './catalog';
import { sum, type Currency, type Money } from './money';
import type { Cycle, Period } from './periods';

/** The clause of the terms that a line is charged under. */
export type ClauseId = 'PAY-1c' | 'PAY-1d' | 'LTD-5';

export interface InvoiceLine {
  readonly description: string;
  readonly clause: ClauseId;
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly quantity: number;
  readonly unitAmount: number;
  readonly amount: number;
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
}): InvoiceDraft {
  const { plan, seats, cycle, period } = args;
  const unitAmount = plan.seatPrice[cycle];
  const amount = periodPrice(plan, seats, cycle).amount;
  const line: InvoiceLine = {
    description: `${plan.name} plan, ${seats} seat${seats === 1 ? '' : 's'}, ${cycle}`,
    clause: args.first ? 'PAY-1c' : 'PAY-1d',
    periodStart: period.start,
    periodEnd: period.end,
    quantity: seats,
    unitAmount,
    amount,
  };
  return draft(args.invoiceId, args.accountId, plan.currency, period, [line]);
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
