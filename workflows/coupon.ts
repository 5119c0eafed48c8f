/**
 * The coupon workflow: one per lifetime-deal code, with workflow id `coupon:<hash>`, so that
 * Temporal runs at most one per code and every redemption of the code passes through it
 * (LTD-2). Redemptions are handled one at a time; the first that the policy accepts opens the
 * account (a child workflow with the account id derived from the code) and every later one is
 * refused. The workflow then stays, to answer later attempts and reports of a shared code.
 *
 * Its input and history carry the code's hash, ids, plan terms and money only: the person's
 * name, email and company are stored by the API in Postgres and read there by activities.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import type { BillingActivities } from '../activities/contract';
import type { CouponActivities } from '../activities/coupon-contract';
import type { accountWorkflow } from './account';
import {
  codeAbuseReportedSignal,
  couponWorkflowStateQuery,
  redeemCouponUpdate,
  reportSharedCodeUpdate,
  type CouponWorkflowInput,
  type RedemptionResult,
} from './coupon-messages';
import { accountWorkflowId } from './ids';
import {
  accountsToSuspendForSharedCode,
  couponAccountId,
  refuseRedemption,
  type CouponRefusal,
} from './policy/coupon';

const activities = proxyActivities<
  Pick<CouponActivities, 'loadCouponCampaign' | 'findCouponHolder' | 'createCouponAccount'> &
    Pick<BillingActivities, 'loadPlan'>
>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [
      'COUPON_CODE_UNKNOWN',
      'REDEMPTION_REQUEST_NOT_FOUND',
      'UNKNOWN_PLAN',
      'CURRENCY_NOT_OFFERED',
    ],
  },
});

function refused(refusal: CouponRefusal): ApplicationFailure {
  return ApplicationFailure.create({
    type: refusal.code,
    message: refusal.clause ? `${refusal.message} (${refusal.clause})` : refusal.message,
    nonRetryable: true,
  });
}

const alreadyRedeemed: CouponRefusal = {
  code: 'CODE_ALREADY_REDEEMED',
  message: 'This code has already been redeemed; each code opens one account.',
  clause: 'LTD-2',
};

export async function couponWorkflow(input: CouponWorkflowInput): Promise<void> {
  const { codeHash } = input;
  let redemption: (RedemptionResult & { readonly requestId: string }) | null = null;
  let busy = false;
  const suspendedForSharing: string[] = [];

  setHandler(couponWorkflowStateQuery, () => ({
    codeHash,
    redeemedBy: redemption?.accountId ?? null,
    suspendedForSharing: [...suspendedForSharing],
  }));

  setHandler(
    redeemCouponUpdate,
    async ({ requestId }) => {
      // One redemption at a time: the others wait here, then find the code taken. Several
      // waiters can wake in one activation, so each checks again before taking its turn.
      while (busy) await condition(() => !busy);
      busy = true;
      try {
        if (redemption) {
          // The same request again (a retry) gets its answer; any other is refused.
          if (redemption.requestId === requestId) {
            return { accountId: redemption.accountId, slug: redemption.slug };
          }
          throw refused(alreadyRedeemed);
        }
        const campaign = await activities.loadCouponCampaign({ codeHash });
        const now = Date.now();
        const holder = await activities.findCouponHolder({ requestId });
        const refusal = refuseRedemption({
          campaign,
          now,
          redeemedBy: null,
          ownerHolds: holder.accountId,
        });
        if (refusal) throw refused(refusal);
        const plan = await activities.loadPlan({
          planId: campaign.planId,
          currency: campaign.currency,
        });
        const accountId = couponAccountId(codeHash);
        const { slug } = await activities.createCouponAccount({
          requestId,
          codeHash,
          accountId,
          campaignId: campaign.campaignId,
          planId: campaign.planId,
          seats: campaign.includedSeats,
          currency: campaign.currency,
        });
        // LTD-4: active on the campaign's plan with the included seats, no trial.
        await startChild<typeof accountWorkflow>('accountWorkflow', {
          workflowId: accountWorkflowId(accountId),
          args: [
            {
              accountId,
              plan,
              seats: campaign.includedSeats,
              cycle: 'monthly',
              coupon: {
                codeHash,
                campaignId: campaign.campaignId,
                includedSeats: campaign.includedSeats,
                extraSeatPrice: { amount: campaign.extraSeatPrice, currency: campaign.currency },
              },
            },
          ],
          // The account lives on its own, whatever happens to this workflow.
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
        redemption = { requestId, accountId, slug };
        return { accountId, slug };
      } finally {
        busy = false;
      }
    },
    {
      validator: ({ requestId }) => {
        if (redemption && redemption.requestId !== requestId) throw refused(alreadyRedeemed);
      },
    },
  );

  setHandler(reportSharedCodeUpdate, async ({ accountIds }) => {
    // LTD-2: every account found with this code but the first loses access.
    const suspended = accountsToSuspendForSharedCode(redemption?.accountId ?? null, accountIds);
    for (const accountId of suspended) {
      if (suspendedForSharing.includes(accountId)) continue;
      await getExternalWorkflowHandle(accountWorkflowId(accountId)).signal(codeAbuseReportedSignal);
      suspendedForSharing.push(accountId);
    }
    return { suspended };
  });

  // The code's record lives as long as the deal: it answers later attempts and reports.
  await condition(() => false);
}
