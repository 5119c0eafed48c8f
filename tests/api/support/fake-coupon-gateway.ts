/** A fake coupon gateway: records what the API asked of the coupon workflows, answers as told. */
import type { CouponGateway } from '../../../api/coupon-gateway';
import type { CouponView, RedemptionResult } from '../../../workflows/coupon-messages';
import type { CommandResult } from '../../../workflows/messages';
import { couponAccountId } from '../../../workflows/policy/coupon';
import { accountView } from './fake-gateway';

export interface FakeCouponGateway extends CouponGateway {
  redeem: jest.Mock<Promise<RedemptionResult>, [string, string]>;
  reportSharedCode: jest.Mock<
    Promise<{ readonly suspended: readonly string[] }>,
    [string, readonly string[], string]
  >;
  changeSeats: jest.Mock<Promise<CommandResult>, [string, number, string]>;
  billingDetailsProvided: jest.Mock<Promise<CommandResult>, [string, string]>;
  couponState: jest.Mock<Promise<CouponView | null>, [string]>;
}

const active = (accountId: string, seats = 2): CommandResult => ({
  account: accountView(accountId, {
    status: 'active',
    planId: 'all-inclusive',
    planName: 'All-inclusive',
    seats,
    trialEndsAt: null,
    nextDeadline: null,
  }),
  charged: [],
});

export function fakeCouponGateway(): FakeCouponGateway {
  return {
    redeem: jest.fn<Promise<RedemptionResult>, [string, string]>((codeHash) =>
      Promise.resolve({ accountId: couponAccountId(codeHash), slug: 'acme' }),
    ),
    reportSharedCode: jest.fn<
      Promise<{ readonly suspended: readonly string[] }>,
      [string, readonly string[], string]
    >((_codeHash, accountIds) => Promise.resolve({ suspended: accountIds.slice(1) })),
    changeSeats: jest.fn<Promise<CommandResult>, [string, number, string]>((accountId, seats) =>
      Promise.resolve(active(accountId, seats)),
    ),
    billingDetailsProvided: jest.fn<Promise<CommandResult>, [string, string]>((accountId) =>
      Promise.resolve(active(accountId)),
    ),
    couponState: jest.fn<Promise<CouponView | null>, [string]>(() => Promise.resolve(null)),
  };
}
