/**
 * The prepaid-credit command of the account workflow (PAY-11). Imported by the API as well, so
 * it depends on nothing but @temporalio/workflow and types.
 */
import { defineUpdate } from '@temporalio/workflow';
import type { CommandResult } from './messages';
import type { Currency } from './policy/money';

export interface PrepaidCreditInput {
  /** Minor units; must be in the account's currency. */
  readonly amount: number;
  readonly currency: Currency;
  /** PAY-12: share of the unused remainder refunded on cancellation, 0..10000 (5000 = half). */
  readonly refundRatioBasisPoints?: number;
}

/**
 * Adds a prepaid credit agreed with the customer: an invoice for its amount is charged to the
 * account's payment method at once; from the next period start renewals are paid by it.
 */
export const addPrepaidCreditUpdate = defineUpdate<CommandResult, [PrepaidCreditInput]>(
  'addPrepaidCredit',
);
