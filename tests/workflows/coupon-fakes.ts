/** Coupon activities for workflow tests: typed from the contract, recording what was asked. */
import { ApplicationFailure } from '@temporalio/common';
import type { CouponActivities, StoredCampaign } from '../../activities/coupon-contract';
import type { PlanTerms } from '../../workflows/policy/catalog';
import { fakeActivities, type FakeActivities } from './fakes';

export const allInclusivePlan: PlanTerms = {
  planId: 'all-inclusive',
  name: 'All-inclusive',
  currency: 'USD',
  seatPrice: { monthly: 3900, annual: 39000 },
  trialDays: 14,
  minSeats: 1,
  maxSeats: 100,
};

export interface FakeCouponActivities extends FakeActivities, CouponActivities {
  /** Campaign by code hash. */
  readonly campaigns: Map<string, StoredCampaign>;
  /** Request ids whose owner already holds the given coupon account (LTD-11). */
  readonly holders: Map<string, string>;
  /** Missing billing fields by account; absent means none are missing. */
  readonly missingFields: Map<string, string[]>;
  readonly created: Parameters<CouponActivities['createCouponAccount']>[0][];
}

export function fakeCouponActivities(): FakeCouponActivities {
  const base = fakeActivities();
  const campaigns = new Map<string, StoredCampaign>();
  const holders = new Map<string, string>();
  const missingFields = new Map<string, string[]>();
  const created: Parameters<CouponActivities['createCouponAccount']>[0][] = [];
  return {
    ...base,
    campaigns,
    holders,
    missingFields,
    created,
    loadPlan: ({ currency }) => Promise.resolve({ ...allInclusivePlan, currency }),
    loadCouponCampaign: ({ codeHash }) => {
      const campaign = campaigns.get(codeHash);
      if (!campaign) {
        return Promise.reject(
          ApplicationFailure.create({
            type: 'COUPON_CODE_UNKNOWN',
            message: 'No such code.',
            nonRetryable: true,
          }),
        );
      }
      return Promise.resolve(campaign);
    },
    findCouponHolder: ({ requestId }) =>
      Promise.resolve({ accountId: holders.get(requestId) ?? null }),
    createCouponAccount: (input) => {
      created.push(input);
      return Promise.resolve({ slug: `company-${created.length}` });
    },
    checkBillingDetails: ({ accountId }) =>
      Promise.resolve({
        missing: missingFields.get(accountId) ?? ['street', 'city', 'postcode', 'country'],
      }),
  };
}
