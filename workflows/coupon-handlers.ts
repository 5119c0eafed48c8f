/**
 * The coupon commands of the account workflow (LTD-5 … LTD-10), registered by the account
 * workflow with its own `submit` and `validate`, so that the shell stays one loop.
 */
import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { CouponActivities } from '../activities/coupon-contract';
import {
  billingDetailsProvidedUpdate,
  changeCouponSeatsUpdate,
  codeAbuseReportedSignal,
  couponStateQuery,
} from './coupon-messages';
import type { CommandResult } from './messages';
import type { AccountInput, AccountState } from './policy/account';
import { viewCoupon } from './policy/coupon';

const coupons = proxyActivities<Pick<CouponActivities, 'checkBillingDetails'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export function registerCouponHandlers(shell: {
  readonly state: () => AccountState;
  readonly submit: (input: AccountInput) => Promise<CommandResult>;
  readonly validate: (input: AccountInput) => void;
  /** Queues an outside fact (a signal) for the loop. */
  readonly enqueue: (input: AccountInput) => void;
}): void {
  setHandler(couponStateQuery, () => viewCoupon(shell.state()));

  setHandler(
    changeCouponSeatsUpdate,
    ({ seats }) => shell.submit({ kind: 'coupon_seats_changed', seats }),
    {
      validator: ({ seats }: { readonly seats: number }) =>
        shell.validate({ kind: 'coupon_seats_changed', seats }),
    },
  );

  setHandler(
    billingDetailsProvidedUpdate,
    async () => {
      const { missing } = await coupons.checkBillingDetails({
        accountId: shell.state().accountId,
      });
      return shell.submit({ kind: 'billing_details_checked', missing });
    },
    { validator: () => shell.validate({ kind: 'billing_details_checked', missing: [] }) },
  );

  setHandler(codeAbuseReportedSignal, () => shell.enqueue({ kind: 'code_abuse_reported' }));
}
