/**
 * Every signal, update and query of the account workflow, with its types.
 * Imported by the API as well, so it depends on nothing but @temporalio/workflow and types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChangeQuote } from './policy/changes';
import type { AccountView, BillingSettings } from './policy/account';
import type { Cycle } from './policy/periods';
import type { PlanTerms } from './policy/catalog';
import type { Currency, Money } from './policy/money';
import type { CouponTerms } from './policy/coupon';
import type { PaymentEventsView } from './policy/payment-events';

/** Input of a new account workflow. Carries no personal data: that stays in Postgres. */
export interface AccountWorkflowInput {
  readonly accountId: string;
  /** The plan's terms from the catalog at signup (`resolvePlan`); later changes arrive as commands. */
  readonly plan: PlanTerms;
  readonly seats: number;
  readonly cycle: Cycle;
  /** Thresholds and surcharges that are configuration (PAY-6, ACCT-2); defaults if absent. */
  readonly settings?: BillingSettings;
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

/** A plan, seat or cycle change asked for by the owner (PAY-2a, PAY-2b, PAY-3, PAY-4). */
export interface ChangePlanInput {
  /** A plan id from the catalog; its terms are loaded by the workflow. */
  readonly planId: string;
  readonly seats: number;
  readonly cycle: Cycle;
  /** PAY-4: how many in-use seats the owner accepts to lose, when seats go below use. */
  readonly confirmSeatsRemoved?: number;
}

/** An accepted change: the account afterwards, what was charged now, and what it means. */
export interface ChangeResult extends CommandResult {
  readonly change: ChangeQuote;
}

/** ApplicationFailure types thrown by updates that the API maps to 4xx responses. */
export const refusalTypes = [
  'ACCOUNT_CLOSED',
  'CHARGE_IN_PROGRESS',
  'CARD_DECLINED',
  'PAYMENT_METHOD_REJECTED',
  'ACCOUNT_SUSPENDED',
  'CONFIRMATION_REQUIRED',
  'UNKNOWN_PLAN',
  'CURRENCY_NOT_OFFERED',
  'NO_CHANGE',
  'PLAN_FIXED_BY_COUPON',
  // PAY-9 corrections of billing details (workflows/policy/correction.ts)
  'BILLING_DETAILS_WINDOW_CLOSED',
  'NO_INVOICE_TO_CORRECT',
  // Lifetime-deal coupons (workflows/policy/coupon.ts)
  'CODE_ALREADY_REDEEMED',
  'REDEMPTION_CLOSED',
  'ACCOUNT_ALREADY_HAS_CODE',
  'NOT_A_COUPON_ACCOUNT',
  'SEATS_OUT_OF_RANGE',
  // Prepaid credit (workflows/policy/credit.ts)
  'PAYMENT_METHOD_REQUIRED',
  'CURRENCY_MISMATCH',
  'PREPAID_CREDIT_ACTIVE',
  'INVALID_CREDIT',
  // TERM-1 ops actions (workflows/policy/ops-actions.ts)
  'ALREADY_SUSPENDED',
  'OPS_ACTION_PENDING',
  'TERMINATION_PENDING',
  'NOT_SUSPENDED',
  'SUSPENSION_NOT_LIFTABLE',
] as const;
export type RefusalType = (typeof refusalTypes)[number];

export const attachPaymentMethodUpdate = defineUpdate<CommandResult, [PaymentMethodUpdateInput]>(
  'attachPaymentMethod',
);
/**
 * PAY-9: the owner asks for the latest invoice to be corrected with the billing details now
 * stored in Postgres (the details themselves never pass through the workflow). Refused with
 * BILLING_DETAILS_WINDOW_CLOSED more than 15 days after that invoice was issued.
 */
export const correctBillingDetailsUpdate = defineUpdate<CommandResult, []>('correctBillingDetails');
export const stopAccountUpdate = defineUpdate<CommandResult, []>('stopAccount');
/**
 * GDPR-2: the person asked for erasure. The account is stopped (nothing more is charged, CAN-2)
 * and its personal data erased at once; the workflow then ends. Carries nothing personal.
 */
export const eraseOnRequestUpdate = defineUpdate<CommandResult, []>('eraseOnRequest');
export const requestCancellationUpdate = defineUpdate<CommandResult, []>('requestCancellation');
/** Changes the terms; charges now only under PAY-2a (or a switch to an annual cycle). */
export const changePlanUpdate = defineUpdate<ChangeResult, [ChangePlanInput]>('changePlan');
/** What `changePlanUpdate` would do now, without changing or charging anything. */
export const previewChangeUpdate = defineUpdate<ChangeQuote, [ChangePlanInput]>('previewChange');
/** An announced price change for a plan (PAY-5); `changeId` makes repeats harmless. */
export interface PriceChangeInput {
  readonly changeId: string;
  readonly planId: string;
  readonly currency: Currency;
  readonly seatPrice: { readonly monthly: number; readonly annual: number };
}

/** Ops announce a new price for a plan; each affected account notifies its owner (PAY-5). */
export const priceChangeSignal = defineSignal<[PriceChangeInput]>('priceChange');
/** A fact about an account reported by the product (PAY-4, PAY-6, ACCT-2). */
export type AccountReport =
  | { readonly kind: 'seats_in_use'; readonly seatsInUse: number }
  | { readonly kind: 'usage'; readonly endUsers: number; readonly ticketsPerAgent: number }
  | { readonly kind: 'shared_login' };

/** The product reports usage per account; above the thresholds it flags the account (PAY-6). */
export const usageReportedSignal =
  defineSignal<[{ readonly endUsers: number; readonly ticketsPerAgent: number }]>('usageReported');
/** The product detected a login shared by several people (ACCT-2). */
export const sharedLoginDetectedSignal = defineSignal<[]>('sharedLoginDetected');
/** The product reports the number of agent seats in use (PAY-4). */
export const seatsInUseSignal = defineSignal<[{ readonly seatsInUse: number }]>('seatsInUse');
export const accountStateQuery = defineQuery<AccountView>('accountState');

/**
 * INACT-1: the product reports a login or usage of the account. Carries nothing: the
 * workflow's own clock stamps it. Cheap by design: the workflow only moves its inactivity
 * clock and does not wake up for it.
 */
export const reportActivitySignal = defineSignal<[]>('reportActivity');

/**
 * A payment fact reported by Stripe (a webhook), for the record only: the charge itself was
 * settled synchronously by `chargeInvoice`, so this never charges or moves money. `eventId`
 * is Stripe's event id; a redelivered event is recognised by it and changes nothing.
 */
export interface PaymentEvent {
  readonly eventId: string;
  readonly type: 'payment_succeeded' | 'payment_failed';
  readonly invoiceId: string | null;
  readonly paymentIntentId: string;
  /** Minor units of `currency`. */
  readonly amount: number;
  readonly currency: string;
}
export const paymentEventSignal = defineSignal<[PaymentEvent]>('paymentEvent');
export const paymentEventsQuery = defineQuery<PaymentEventsView>('paymentEvents');

export type { PaymentEventsView };

export type { AccountView, ChangeQuote };
