/**
 * The activities of lifetime-deal coupons (LTD-1 … LTD-11), by name and shape. Workflows import
 * this file for types only; `createCouponActivities(deps)` in `coupons.ts` implements it.
 * Personal data (name, email, company, billing address) stays in Postgres: these activities take
 * and return ids, hashes, seats and money only.
 */
import type { Currency } from '../workflows/policy/money';

export type CouponActivityFailureType =
  /** loadCouponCampaign: the hash is not one of an imported code. */
  | 'COUPON_CODE_UNKNOWN'
  /** createCouponAccount: the redemption request the API stored is not there. */
  | 'REDEMPTION_REQUEST_NOT_FOUND';

/** A campaign as stored (the plan is resolved through `loadPlan`). */
export interface StoredCampaign {
  readonly campaignId: string;
  readonly planId: string;
  readonly currency: Currency;
  readonly includedSeats: number;
  /** Monthly price of one extra seat, in minor units of `currency` (LTD-5). */
  readonly extraSeatPrice: number;
  /** The last second in which a redemption is accepted, epoch ms (LTD-3). */
  readonly redeemBy: number;
}

export interface CouponActivities {
  /** The campaign the code belongs to. Throws COUPON_CODE_UNKNOWN. */
  loadCouponCampaign(input: { codeHash: string }): Promise<StoredCampaign>;

  /** The coupon account already owned by the requester's email, if any (LTD-11). */
  findCouponHolder(input: { requestId: string }): Promise<{ accountId: string | null }>;

  /**
   * In one transaction: the account row, the owner's contact (from the stored request), a
   * unique slug from the company name (suffixed on collision, LTD-1), the owner key digest the
   * API issued, and the code marked redeemed by the account. Idempotent by account id.
   */
  createCouponAccount(input: {
    requestId: string;
    codeHash: string;
    accountId: string;
    campaignId: string;
    planId: string;
    seats: number;
    currency: Currency;
  }): Promise<{ slug: string }>;

  /** Which billing fields of the account are missing (LTD-7); field names only. */
  checkBillingDetails(input: { accountId: string }): Promise<{ missing: string[] }>;
}
