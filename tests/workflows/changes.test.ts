/**
 * Plan, seat and cycle changes through the account workflow's updates, on the time-skipping
 * server with real durations (a year passes because the server skips it).
 */
import { sleepInUse } from './in-use';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { accountWorkflow } from '../../workflows';
import { accountWorkflowId } from '../../workflows/ids';
import {
  accountStateQuery,
  attachPaymentMethodUpdate,
  changePlanUpdate,
  previewChangeUpdate,
  priceChangeSignal,
  seatsInUseSignal,
  sharedLoginDetectedSignal,
  usageReportedSignal,
} from '../../workflows/messages';
import { prorate } from '../../workflows/policy/money';
import { addMonths, type Cycle } from '../../workflows/policy/periods';
import { startTimeSkipping } from './environment';
import { fakeActivities, teamPlan, type FakeActivities } from './fakes';
import { accountEventually as eventually } from './eventually';

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

interface Scenario {
  readonly handle: WorkflowHandle<typeof accountWorkflow>;
  readonly activities: FakeActivities;
  readonly accountId: string;
  /** The paid first period, from attaching the card. */
  readonly period: { readonly start: number; readonly end: number };
}

/** A paying account on the Team plan with 2 seats on `cycle`. */
async function withPayingAccount(
  cycle: Cycle,
  body: (scenario: Scenario) => Promise<void>,
): Promise<void> {
  counter += 1;
  const taskQueue = `changes-test-${counter}`;
  const accountId = `acc_change_${counter}`;
  const activities = fakeActivities();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(accountWorkflow, {
      taskQueue,
      workflowId: accountWorkflowId(accountId),
      args: [{ accountId, plan: teamPlan, seats: 2, cycle }],
    });
    try {
      const first = await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      const current = first.account.currentPeriod!;
      await body({
        handle,
        activities,
        accountId,
        period: { start: Date.parse(current.start), end: Date.parse(current.end) },
      });
    } finally {
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') await handle.terminate('test finished');
    }
  });
}

/** Skips to just after `at` and waits for the charge count to reach `count`. */
async function skipToCharge(
  scenario: Scenario,
  at: number,
  count: number,
): Promise<FakeActivities['charges'][number]> {
  await sleepInUse(env, scenario.handle, at - (await env.currentTimeMs()) + 1_000);
  await eventually(scenario.handle, () => scenario.activities.charges.length >= count);
  return scenario.activities.charges[count - 1];
}

describe('plan changes in the account workflow', () => {
  test('PAY-2a: an annual upgrade mid-year charges the prorated difference now; the renewal is at the new price', async () => {
    await withPayingAccount('annual', async (scenario) => {
      const { handle, activities, accountId, period } = scenario;
      expect(activities.charges[0].invoice.total).toBe(2 * 18000);
      await sleepInUse(env, handle, '100 days');

      const request = { planId: 'team', seats: 4, cycle: 'annual' as const };
      const preview = await handle.executeUpdate(previewChangeUpdate, { args: [request] });
      expect(preview).toMatchObject({ kind: 'upgrade_prorated', clause: 'PAY-2a' });
      expect(activities.charges).toHaveLength(1);

      const result = await handle.executeUpdate(changePlanUpdate, { args: [request] });
      const charge = activities.charges[1];
      const [line] = charge.invoice.lines;
      // (72000 - 36000) x remaining / year, rounded once, from the instant of the change.
      const expected = prorate(
        { amount: 4 * 18000 - 2 * 18000, currency: 'USD' },
        period.end - line.periodStart,
        period.end - period.start,
      ).amount;
      expect(line).toMatchObject({ clause: 'PAY-2a', amount: expected, periodEnd: period.end });
      expect(line.formula).toContain('(72000 - 36000)');
      expect(expected).toBeGreaterThan(0);
      expect(expected).toBeLessThan(36000);
      expect(result.charged).toEqual([
        { invoiceId: `${accountId}-0002`, amount: { amount: expected, currency: 'USD' } },
      ]);
      expect(result.change.chargeNow.amount).toBe(expected);
      expect(result.change.nextInvoice).toEqual({
        at: new Date(period.end).toISOString(),
        amount: { amount: 72000, currency: 'USD' },
      });
      expect(result.account.seats).toBe(4);
      expect(activities.recorded).toEqual([`${accountId}-0001`, `${accountId}-0002`]);

      const renewal = await skipToCharge(scenario, period.end, 3);
      expect(renewal.invoice.total).toBe(72000);
      expect(renewal.invoice.periodStart).toBe(period.end);
    });
  });

  test('PAY-2b: a monthly upgrade mid-month charges nothing now and the next renewal at the new price', async () => {
    await withPayingAccount('monthly', async (scenario) => {
      const { handle, activities, period } = scenario;
      await sleepInUse(env, handle, '12 days');
      const result = await handle.executeUpdate(changePlanUpdate, {
        args: [{ planId: 'business', seats: 3, cycle: 'monthly' }],
      });
      expect(result.charged).toEqual([]);
      expect(result.change).toMatchObject({
        kind: 'upgrade_next_renewal',
        clause: 'PAY-2b',
        chargeNow: { amount: 0, currency: 'USD' },
        nextInvoice: { amount: { amount: 3 * 2900, currency: 'USD' } },
      });
      expect(activities.charges).toHaveLength(1);
      const renewal = await skipToCharge(scenario, period.end, 2);
      expect(renewal.invoice.total).toBe(8700);
      expect(renewal.invoice.lines[0]).toMatchObject({ clause: 'PAY-1d', unitAmount: 2900 });
    });
  });

  test('PAY-3: a downgrade refunds nothing and the price drops at the next renewal', async () => {
    await withPayingAccount('monthly', async (scenario) => {
      const { handle, activities, period } = scenario;
      await sleepInUse(env, handle, '3 days');
      const result = await handle.executeUpdate(changePlanUpdate, {
        args: [{ planId: 'team', seats: 1, cycle: 'monthly' }],
      });
      expect(result.charged).toEqual([]);
      expect(result.change).toMatchObject({ kind: 'downgrade', effective: 'next_renewal' });
      expect(result.account.seats).toBe(2);
      expect(result.account.pendingChange).toMatchObject({ seats: 1 });
      const renewal = await skipToCharge(scenario, period.end, 2);
      expect(renewal.invoice.total).toBe(1900);
      expect(activities.charges.every((c) => c.invoice.total > 0)).toBe(true);
      expect((await handle.query(accountStateQuery)).seats).toBe(1);
    });
  });

  test('PAY-3: monthly to annual starts a paid annual period now without crediting the month', async () => {
    await withPayingAccount('monthly', async (scenario) => {
      const { handle, activities } = scenario;
      await sleepInUse(env, handle, '10 days');
      const result = await handle.executeUpdate(changePlanUpdate, {
        args: [{ planId: 'team', seats: 2, cycle: 'annual' }],
      });
      expect(result.charged.map((c) => c.amount.amount)).toEqual([36000]);
      expect(result.change).toMatchObject({ kind: 'switch_to_annual', clause: 'PAY-2a' });
      const start = Date.parse(result.account.currentPeriod!.start);
      expect(result.account.cycle).toBe('annual');
      expect(result.account.currentPeriod!.end).toBe(new Date(addMonths(start, 12)).toISOString());
      expect(activities.charges[1].invoice.periodStart).toBe(start);
    });
  });

  test('PAY-4: lowering seats below the seats in use needs a confirmation naming what is lost', async () => {
    await withPayingAccount('monthly', async ({ handle }) => {
      await handle.signal(seatsInUseSignal, { seatsInUse: 2 });
      await eventually(handle, (view) => view.seatsInUse === 2);
      const request = { planId: 'team', seats: 1, cycle: 'monthly' as const };
      const refused = handle.executeUpdate(changePlanUpdate, { args: [request] });
      await expect(refused).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      await expect(refused).rejects.toMatchObject({
        cause: {
          type: 'CONFIRMATION_REQUIRED',
          message: expect.stringContaining('removes 1 of the 2 agent seats in use') as unknown,
        },
      });
      const accepted = await handle.executeUpdate(changePlanUpdate, {
        args: [{ ...request, confirmSeatsRemoved: 1 }],
      });
      expect(accepted.change.kind).toBe('downgrade');
    });
  });

  test('PAY-2a: an unknown plan or seats beyond the plan limits are refused with a stable code', async () => {
    await withPayingAccount('monthly', async ({ handle, activities }) => {
      await expect(
        handle.executeUpdate(changePlanUpdate, {
          args: [{ planId: 'platinum', seats: 2, cycle: 'monthly' }],
        }),
      ).rejects.toMatchObject({ cause: { type: 'UNKNOWN_PLAN' } });
      await expect(
        handle.executeUpdate(changePlanUpdate, {
          args: [{ planId: 'team', seats: 51, cycle: 'monthly' }],
        }),
      ).rejects.toMatchObject({ cause: { type: 'SEATS_OUT_OF_RANGE' } });
      expect(activities.charges).toHaveLength(1);
    });
  });

  test('PAY-5: a price change is announced by email and paid from the first renewal 30 days on', async () => {
    await withPayingAccount('monthly', async (scenario) => {
      const { handle, activities, period } = scenario;
      await sleepInUse(env, handle, '5 days');
      const change = {
        changeId: 'price-2027',
        planId: 'team',
        currency: 'USD' as const,
        seatPrice: { monthly: 2500, annual: 24000 },
      };
      await handle.signal(priceChangeSignal, change);
      await handle.signal(priceChangeSignal, change);
      await eventually(handle, () =>
        activities.emails.some((e) => e.template === 'price_change_notice'),
      );
      const notices = activities.emails.filter((e) => e.template === 'price_change_notice');
      // The renewal 25 days after the notice is too early; the one after it is the first.
      expect(notices).toEqual([
        expect.objectContaining({
          effectiveAt: addMonths(period.start, 2),
          amount: { amount: 5000, currency: 'USD' },
        }),
      ]);
      const first = await skipToCharge(scenario, period.end, 2);
      expect(first.invoice.total).toBe(3800);
      const second = await skipToCharge(scenario, addMonths(period.start, 2), 3);
      expect(second.invoice.total).toBe(5000);
      expect(second.invoice.lines[0]).toMatchObject({ unitAmount: 2500, quantity: 2 });
    });
  });

  test('ACCT-2 and PAY-6: a shared login is surcharged once on the next invoice; heavy usage only flags the account', async () => {
    await withPayingAccount('monthly', async (scenario) => {
      const { handle, activities, period } = scenario;
      await sleepInUse(env, handle, '4 days');
      await handle.signal(usageReportedSignal, { endUsers: 25_000, ticketsPerAgent: 10 });
      const flagged = await eventually(handle, (view) => view.enterpriseReview !== null);
      expect(flagged.enterpriseReview!.reason).toContain('25000 end users');
      await handle.signal(sharedLoginDetectedSignal);
      await handle.signal(sharedLoginDetectedSignal);
      await eventually(handle, (view) => view.sharedLoginSurchargePending);
      await eventually(handle, () =>
        activities.emails.some((e) => e.template === 'shared_login_surcharge'),
      );
      const notices = activities.emails.filter((e) => e.template === 'shared_login_surcharge');
      expect(notices).toEqual([
        expect.objectContaining({ amount: { amount: 3900, currency: 'USD' } }),
      ]);
      const renewal = await skipToCharge(scenario, period.end, 2);
      expect(renewal.invoice.lines.map((line) => [line.clause, line.amount])).toEqual([
        ['PAY-1d', 3800],
        ['ACCT-2', 3900],
      ]);
      expect(renewal.invoice.total).toBe(7700);
      const next = await skipToCharge(scenario, addMonths(period.start, 2), 3);
      expect(next.invoice.total).toBe(3800);
    });
  });
});
