/**
 * The annual prepaid credit (PAY-11) and its refund on cancellation (PAY-12) through the account
 * workflow, on the time-skipping server with real durations: years pass because the server
 * skips them. Expected figures are computed here from the documented formula (seat-time per
 * credit period, rounded half up), independently of the policy code.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { CreditActivities } from '../../activities/credit-contract';
import { accountWorkflow } from '../../workflows';
import { addPrepaidCreditUpdate } from '../../workflows/credit-messages';
import { accountWorkflowId } from '../../workflows/ids';
import {
  accountStateQuery,
  attachPaymentMethodUpdate,
  changePlanUpdate,
  stopAccountUpdate,
  type AccountView,
} from '../../workflows/messages';
import { addMonths } from '../../workflows/policy/periods';
import { startTimeSkipping } from './environment';
import { accountEventually as eventually } from './eventually';
import { fakeActivities, teamPlan, type FakeActivities } from './fakes';
import { sleepInUse } from './in-use';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let counter = 0;

beforeAll(async () => {
  env = await startTimeSkipping();
  bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
}, 300_000);

afterAll(async () => {
  await env?.teardown();
});

type RefundInput = Parameters<CreditActivities['refundPayment']>[0];

interface Scenario {
  readonly handle: WorkflowHandle<typeof accountWorkflow>;
  readonly activities: FakeActivities;
  readonly accountId: string;
  /** The first period, paid by card. */
  readonly paid: { readonly start: number; readonly end: number };
  /** Every attempt of refundPayment, and the refunds "Stripe" made (one per idempotency key). */
  readonly refundAttempts: RefundInput[];
  readonly refunds: Map<string, RefundInput & { readonly refundId: string }>;
}

const SEAT_YEAR = teamPlan.seatPrice.annual; // 18000 USD minor units per seat and year
const CREDIT = 5 * SEAT_YEAR; // 12 months at 5 seats

/** `n / d` rounded half up, exactly (the documented rounding). */
function halfUp(n: bigint, d: bigint): number {
  return Number((2n * n + d) / (2n * d));
}

/** An annual Team account with 5 seats whose first year is paid, and a credit bought 10 days in. */
async function withCredit(
  body: (scenario: Scenario) => Promise<void>,
  options: { failFirstRefundAttempt?: boolean } = {},
): Promise<void> {
  counter += 1;
  const taskQueue = `credit-test-${counter}`;
  const accountId = `acc_credit_${counter}`;
  const activities = fakeActivities();
  const refundAttempts: RefundInput[] = [];
  const refunds = new Map<string, RefundInput & { readonly refundId: string }>();
  const credit: CreditActivities = {
    refundPayment: (input) => {
      refundAttempts.push(input);
      // Like Stripe: one refund per idempotency key, whatever the number of attempts.
      const made = refunds.get(input.idempotencyKey) ?? {
        ...input,
        refundId: `re_${refunds.size + 1}`,
      };
      refunds.set(input.idempotencyKey, made);
      if (options.failFirstRefundAttempt && refundAttempts.length === 1) {
        // The refund was made, but the answer was lost: the activity fails and is retried.
        return Promise.reject(new Error('connection reset'));
      }
      return Promise.resolve({ refundId: made.refundId });
    },
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: { ...activities, ...credit },
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(accountWorkflow, {
      taskQueue,
      workflowId: accountWorkflowId(accountId),
      args: [{ accountId, plan: teamPlan, seats: 5, cycle: 'annual' }],
    });
    try {
      const first = await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      const current = first.account.currentPeriod!;
      const paid = { start: Date.parse(current.start), end: Date.parse(current.end) };
      await sleepInUse(env, handle, '10 days');
      const bought = await handle.executeUpdate(addPrepaidCreditUpdate, {
        args: [{ amount: CREDIT, currency: 'USD' }],
      });
      expect(bought.charged).toEqual([
        { invoiceId: `${accountId}-0002`, amount: { amount: CREDIT, currency: 'USD' } },
      ]);
      expect(bought.account.prepaidCredit).toMatchObject({
        creditId: `${accountId}-0002`,
        startsAt: new Date(paid.end).toISOString(),
        projectedEndAt: new Date(addMonths(paid.end, 12)).toISOString(),
        drawing: false,
      });
      const [line] = activities.charges[1].invoice.lines;
      expect(line).toMatchObject({ clause: 'PAY-11', amount: CREDIT, periodStart: paid.end });
      await body({ handle, activities, accountId, paid, refundAttempts, refunds });
    } finally {
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') await handle.terminate('test finished');
    }
  });
}

async function skipTo(scenario: Scenario, at: number): Promise<void> {
  await sleepInUse(env, scenario.handle, at - (await env.currentTimeMs()));
}

async function creditStarted(scenario: Scenario): Promise<AccountView> {
  await skipTo(scenario, scenario.paid.end + 1_000);
  return eventually(scenario.handle, (view) => view.prepaidCredit?.drawing === true);
}

describe('annual prepaid credit in the account workflow', () => {
  test('PAY-11: a credit for 12 months at 5 seats outlasts 12 months after 2 seats are removed', async () => {
    await withCredit(async (scenario) => {
      const { handle, activities, paid } = scenario;
      await creditStarted(scenario);
      // The year the credit pays is not charged to the card.
      expect(activities.charges).toHaveLength(2);

      await sleepInUse(env, handle, '91 days');
      const result = await handle.executeUpdate(changePlanUpdate, {
        args: [{ planId: 'team', seats: 3, cycle: 'annual' }],
      });
      expect(result.charged).toEqual([]);
      expect(result.change).toMatchObject({ kind: 'prepaid_credit', clause: 'PAY-11' });
      expect(result.account.seats).toBe(3);
      const view = result.account.prepaidCredit!;

      // Drawn at 5 seats from the credit's start to the change, within its first year.
      const start = paid.end;
      const firstEnd = addMonths(start, 12);
      const changedAt = Date.parse(view.balanceAt);
      const year1 = BigInt(firstEnd - start);
      const drawnAt5 = halfUp(BigInt(CREDIT) * BigInt(changedAt - start), year1);
      expect(view.balance.amount).toBe(CREDIT - drawnAt5);
      // The rest of that year at 3 seats, then what is left lasts into the next year.
      const price3 = 3 * SEAT_YEAR;
      const restOfYear = halfUp(BigInt(price3) * BigInt(firstEnd - changedAt), year1);
      const left = CREDIT - drawnAt5 - restOfYear;
      const year2 = BigInt(addMonths(start, 24) - firstEnd);
      const end = firstEnd + halfUp(BigInt(left) * year2, BigInt(price3));
      expect(view.projectedEndAt).toBe(new Date(end).toISOString());
      expect(end).toBeGreaterThan(addMonths(start, 12));
      expect(result.change.nextInvoice).toEqual({
        at: new Date(end).toISOString(),
        amount: { amount: price3, currency: 'USD' },
      });

      // Billing resumes exactly at the credit's end, at 3 seats, for a fresh year.
      await skipTo(scenario, firstEnd + 1_000);
      expect(activities.charges).toHaveLength(2);
      await skipTo(scenario, end + 1_000);
      await eventually(handle, () => activities.charges.length === 3);
      const resumption = activities.charges[2].invoice;
      expect(resumption).toMatchObject({
        periodStart: end,
        periodEnd: addMonths(end, 12),
        total: price3,
      });
      expect(resumption.lines).toEqual([
        expect.objectContaining({ clause: 'PAY-1d', quantity: 3, periodStart: end }),
      ]);
      const after = await handle.query(accountStateQuery);
      expect(after.prepaidCredit).toBeNull();
      expect(after.currentPeriod).toEqual({
        start: new Date(end).toISOString(),
        end: new Date(addMonths(end, 12)).toISOString(),
      });
    });
  });

  test('PAY-11: adding seats brings the end sooner', async () => {
    await withCredit(async (scenario) => {
      const { handle, activities } = scenario;
      const started = await creditStarted(scenario);
      const before = Date.parse(started.prepaidCredit!.projectedEndAt!);
      await sleepInUse(env, handle, '30 days');
      const result = await handle.executeUpdate(changePlanUpdate, {
        args: [{ planId: 'team', seats: 8, cycle: 'annual' }],
      });
      // PAY-2a would charge a proration; while the credit pays, the upgrade draws from it.
      expect(result.charged).toEqual([]);
      expect(activities.charges).toHaveLength(2);
      const after = Date.parse(result.account.prepaidCredit!.projectedEndAt!);
      expect(after).toBeLessThan(before);
      expect(result.change.nextInvoice?.at).toBe(new Date(after).toISOString());
    });
  });

  test('PAY-11: when credit runs out billing resumes without gap or overlap', async () => {
    await withCredit(async (scenario) => {
      const { handle, activities, paid } = scenario;
      const started = await creditStarted(scenario);
      const creditEnd = addMonths(paid.end, 12);
      expect(started.prepaidCredit).toMatchObject({
        startsAt: new Date(paid.end).toISOString(),
        projectedEndAt: new Date(creditEnd).toISOString(),
      });
      await skipTo(scenario, creditEnd + 1_000);
      await eventually(handle, () => activities.charges.length === 3);
      // The card paid [signup payment, year end); the credit [year end, credit end); the card again
      // from the credit's end: each period starts where the one before ends.
      const [first, , resumed] = activities.charges.map((charge) => charge.invoice);
      expect(first.periodEnd).toBe(paid.end);
      expect(resumed.periodStart).toBe(creditEnd);
      expect(resumed.periodEnd).toBe(addMonths(creditEnd, 12));
      expect(resumed.total).toBe(5 * SEAT_YEAR);
      // The next renewal follows the new anchor.
      await skipTo(scenario, addMonths(creditEnd, 12) + 1_000);
      await eventually(handle, () => activities.charges.length === 4);
      expect(activities.charges[3].invoice.periodStart).toBe(addMonths(creditEnd, 12));
    });
  });

  test('PAY-12: early cancellation refunds half the remainder exactly (refund + fee = remainder)', async () => {
    await withCredit(async (scenario) => {
      const { handle, activities, paid, refunds } = scenario;
      await creditStarted(scenario);
      await sleepInUse(env, handle, '100 days');
      const result = await handle.executeUpdate(stopAccountUpdate);
      expect(result.account.status).toBe('cancelled');
      const settlement = result.account.prepaidCredit!.settlement!;
      const cancelledAt = Date.parse(result.account.cancelledAt!);
      expect(settlement.at).toBe(result.account.cancelledAt);

      const year = BigInt(addMonths(paid.end, 12) - paid.end);
      const remaining = CREDIT - halfUp(BigInt(CREDIT) * BigInt(cancelledAt - paid.end), year);
      const refund = halfUp(BigInt(remaining), 2n);
      expect(settlement.remaining.amount).toBe(remaining);
      expect(settlement.refund.amount).toBe(refund);
      expect(settlement.feeRetained.amount).toBe(remaining - refund);
      expect(settlement.refund.amount + settlement.feeRetained.amount).toBe(remaining);
      expect(settlement.refundId).toBe('re_1');

      const creditId = result.account.prepaidCredit!.creditId;
      expect([...refunds.values()]).toEqual([
        expect.objectContaining({
          creditId,
          paymentId: 'pi_2',
          amount: refund,
          feeRetained: remaining - refund,
          remaining,
          idempotencyKey: `${creditId}:refund`,
        }),
      ]);
      expect(activities.emails.map((email) => email.template)).toContain('prepaid_credit_refunded');
      // CAN-2 / PAY-3: nothing else is charged or refunded.
      expect(activities.charges).toHaveLength(2);
    });
  });

  test('PAY-12: a refund whose first attempt fails after Stripe made it is retried by its key: one refund', async () => {
    await withCredit(
      async (scenario) => {
        const { handle, refundAttempts, refunds } = scenario;
        await creditStarted(scenario);
        await sleepInUse(env, handle, '40 days');
        await handle.executeUpdate(stopAccountUpdate);
        const view = await eventually(
          handle,
          (state) => state.prepaidCredit?.settlement?.refundId !== null,
        );
        expect(view.prepaidCredit!.settlement!.refundId).toBe('re_1');
        expect(refundAttempts.length).toBe(2);
        expect(new Set(refundAttempts.map((attempt) => attempt.idempotencyKey)).size).toBe(1);
        expect(refunds.size).toBe(1);
      },
      { failFirstRefundAttempt: true },
    );
  });

  test('PAY-11: a credit in another currency, or a second credit, is refused and charges nothing', async () => {
    await withCredit(async ({ handle, activities }) => {
      for (const [input, type] of [
        [{ amount: 1000, currency: 'EUR' as const }, 'CURRENCY_MISMATCH'],
        [{ amount: 1000, currency: 'USD' as const }, 'PREPAID_CREDIT_ACTIVE'],
      ] as const) {
        const refused = handle.executeUpdate(addPrepaidCreditUpdate, { args: [input] });
        await expect(refused).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
        const cause = await refused.catch((error: WorkflowUpdateFailedError) => error.cause);
        expect(cause).toBeInstanceOf(ApplicationFailure);
        expect((cause as ApplicationFailure).type).toBe(type);
      }
      expect(activities.charges).toHaveLength(2);
    });
  });
});
