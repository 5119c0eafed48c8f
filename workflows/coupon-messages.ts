/**
 * Signals, updates and queries of lifetime-deal coupons: those of the coupon workflow (one per
 * code) and the coupon commands of the account workflow. Imported by the API as well, so it
 * depends on nothing but @temporalio/workflow and types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CommandResult } from './messages';
import type { CouponTerms, CouponView } from './policy/coupon';

/** Input of a coupon workflow: the code's hash only; the code itself is never stored. */
export interface CouponWorkflowInput {
  readonly codeHash: string;
}

export interface RedeemCouponInput {
  /** The redemption request the API stored in Postgres with the person's details. */
  readonly requestId: string;
}

export interface RedemptionResult {
  readonly accountId: string;
  readonly slug: string;
}

export interface CouponWorkflowView {
  readonly codeHash: string;
  readonly redeemedBy: string | null;
  readonly suspendedForSharing: readonly string[];
}

export const redeemCouponUpdate = defineUpdate<RedemptionResult, [RedeemCouponInput]>(
  'redeemCoupon',
);
/** LTD-2: accounts found to share this code; all but the first are suspended. */
export const reportSharedCodeUpdate = defineUpdate<
  { readonly suspended: readonly string[] },
  [{ readonly accountIds: readonly string[] }]
>('reportSharedCode');
export const couponWorkflowStateQuery = defineQuery<CouponWorkflowView>('couponWorkflowState');

/** Account workflow: the number of seats in use on a coupon account (LTD-5, LTD-6). */
export const changeCouponSeatsUpdate = defineUpdate<CommandResult, [{ readonly seats: number }]>(
  'changeCouponSeats',
);
/** Account workflow: the owner stored billing details in Postgres (LTD-7). */
export const billingDetailsProvidedUpdate = defineUpdate<CommandResult, []>(
  'billingDetailsProvided',
);
export const codeAbuseReportedSignal = defineSignal('codeAbuseReported');
export const couponStateQuery = defineQuery<CouponView | null>('couponState');

export type { CouponTerms, CouponView };
