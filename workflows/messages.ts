/**
 * Every signal, update and query of the account workflow, with its types.
 * Imported by the API as well, so it depends on nothing but @temporalio/workflow and types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AccountView } from './policy/account';
import type { Cycle } from './policy/periods';
import type { PlanTerms } from './policy/catalog';
import type { Money } from './policy/money';
import type { CouponTerms } from './policy/coupon';

/** Input of a new account workflow. Carries no personal data: that stays in Postgres. */
export interface AccountWorkflowInput {
  readonly accountId: string;
  /** The plan's terms from the catalog at signup (`resolvePlan`); later changes arrive as commands. */
  readonly plan: PlanTerms;
  readonly seats: number;
  readonly cycle: Cycle;
  /** Set for an account opened by a lifetime-deal code (LTD-4); it starts active, no trial. */
  readonly coupon?: CouponTerms;
}

export interface PaymentMethodUpdateInput {
  /** A processor token (`pm_…`); card numbers never reach the platform (PAY-8). */
  readonly paymentMethodId: string;
}

/** What an accepted command did: the account afterwards and what was charged. */
export interface CommandResult {
  readonly account: AccountView;
  readonly charged: readonly { readonly invoiceId: string; readonly amount: Money }[];
}

/** ApplicationFailure types thrown by updates that the API maps to 4xx responses. */
export const refusalTypes = [
  'ACCOUNT_CLOSED',
  'CHARGE_IN_PROGRESS',
  'CARD_DECLINED',
  'PAYMENT_METHOD_REJECTED',
  // Lifetime-deal coupons (workflows/policy/coupon.ts)
  'CODE_ALREADY_REDEEMED',
  'REDEMPTION_CLOSED',
  'ACCOUNT_ALREADY_HAS_CODE',
  'NOT_A_COUPON_ACCOUNT',
  'SEATS_OUT_OF_RANGE',
] as const;
export type RefusalType = (typeof refusalTypes)[number];

export const attachPaymentMethodUpdate = defineUpdate<CommandResult, [PaymentMethodUpdateInput]>(
  'attachPaymentMethod',
);
export const stopAccountUpdate = defineUpdate<CommandResult, []>('stopAccount');
export const requestCancellationUpdate = defineUpdate<CommandResult, []>('requestCancellation');
export const accountStateQuery = defineQuery<AccountView>('accountState');

/**
 * INACT-1: the product reports a login or usage of the account. Carries nothing: the
 * workflow's own clock stamps it. Cheap by design: the workflow only moves its inactivity
 * clock and does not wake up for it.
 */
export const reportActivitySignal = defineSignal<[]>('reportActivity');

export type { AccountView };
