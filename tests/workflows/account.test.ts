/**
 * The account workflow on Temporal's time-skipping test server, with the real durations:
 * 14-day trials, calendar months and business days pass in seconds because the server skips
 * time, not because anything in the code is shortened.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { accountWorkflow } from '../../workflows';
import { accountWorkflowId } from '../../workflows/ids';
import {
  accountStateQuery,
  attachPaymentMethodUpdate,
  reportActivitySignal,
  requestCancellationUpdate,
  stopAccountUpdate,
  type AccountView,
} from '../../workflows/messages';
import { addMonths, DAY_MS } from '../../workflows/policy/periods';
import { startTimeSkipping } from './environment';
import { sleepInUse } from './in-use';
import { DECLINING_CARD, fakeActivities, teamPlan, type FakeActivities } from './fakes';
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
  readonly startedAt: number;
}

/** Runs `body` with a worker and a freshly signed-up account on the Team plan, 2 seats, monthly. */
async function withAccount(
  body: (scenario: Scenario) => Promise<void>,
  activities: FakeActivities = fakeActivities(),
): Promise<void> {
  counter += 1;
  const taskQueue = `account-test-${counter}`;
  const accountId = `acc_test_${counter}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
  });
  await worker.runUntil(async () => {
    const startedAt = await env.currentTimeMs();
    const handle = await env.client.workflow.start(accountWorkflow, {
      taskQueue,
      workflowId: accountWorkflowId(accountId),
      args: [{ accountId, plan: teamPlan, seats: 2, cycle: 'monthly' }],
    });
    try {
      await body({ handle, activities, accountId, startedAt });
    } finally {
      // A workflow left running without a worker would hold the test server's clock still.
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') await handle.terminate('test finished');
    }
  });
}

async function state(handle: WorkflowHandle): Promise<AccountView> {
  return handle.query(accountStateQuery);
}

/**
 * Reports a login (INACT-1) and waits until the workflow has recorded it, so that no signal is
 * still being delivered when the test skips time.
 */
async function reportActivity(handle: WorkflowHandle): Promise<void> {
  const at = await env.currentTimeMs();
  await handle.signal(reportActivitySignal);
  await eventually(handle, (view) => Date.parse(view.lastActivityAt) >= at);
}

function templates(activities: FakeActivities): string[] {
  return activities.emails.map((email) => email.template);
}

describe('account workflow', () => {
  test('PAY-1a: a new account is trialing and its trial ends 14 days after signup', async () => {
    await withAccount(async ({ handle, startedAt, activities }) => {
      const view = await state(handle);
      expect(view.status).toBe('trialing');
      const trialEnd = Date.parse(view.trialEndsAt!);
      expect(trialEnd - startedAt).toBeGreaterThanOrEqual(14 * DAY_MS - 5_000);
      expect(trialEnd - startedAt).toBeLessThanOrEqual(14 * DAY_MS + 5_000);
      expect(view.nextDeadline?.action).toBe('end_trial');

      await env.sleep('13 days');
      expect((await state(handle)).status).toBe('trialing');
      expect(activities.charges).toHaveLength(0);
    });
  });

  test('PAY-1b: without a payment method the account is suspended when the trial ends', async () => {
    await withAccount(async ({ handle, activities }) => {
      await env.sleep('14 days');
      // The state changes before its email's activity has run: wait for both.
      const view = await eventually(
        handle,
        (v) => v.status === 'suspended' && templates(activities).includes('trial_expired'),
      );
      expect(view.suspensionReason).toBe('trial_expired');
      // No billing deadline is left; only the inactivity clock (INACT-1) still runs.
      expect(view.nextDeadline?.action).toBe('warn_inactive');
      expect(activities.charges).toHaveLength(0);
      expect(templates(activities)).toEqual(['trial_expired']);

      // Nothing happens to a suspended account by itself (until the inactivity clock deletes
      // it on day 56, INACT-2).
      await env.sleep('40 days');
      expect((await state(handle)).status).toBe('suspended');
      expect(activities.charges).toHaveLength(0);
    });
  });

  test('PAY-1b: attaching a payment method to a suspended account reactivates it and charges at once', async () => {
    await withAccount(async ({ handle, activities }) => {
      await env.sleep('20 days');
      await eventually(handle, (v) => v.status === 'suspended');

      const attachedAt = await env.currentTimeMs();
      const result = await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });

      expect(result.account.status).toBe('active');
      expect(result.account.suspensionReason).toBeNull();
      expect(result.charged).toEqual([
        {
          invoiceId: `${result.account.accountId}-0001`,
          amount: { amount: 3800, currency: 'USD' },
        },
      ]);
      expect(activities.charges).toHaveLength(1);
      // The billing anchor is the moment the card arrived.
      expect(Date.parse(result.account.currentPeriod!.start) - attachedAt).toBeLessThan(5_000);
    });
  });

  test('PAY-1c: a payment method during the trial ends the trial and charges the first month now', async () => {
    await withAccount(async ({ handle, activities, accountId }) => {
      await env.sleep('3 days');
      const result = await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });

      expect(result.account.status).toBe('active');
      expect(result.account.trialEndsAt).toBeNull();
      expect(result.charged).toEqual([
        { invoiceId: `${accountId}-0001`, amount: { amount: 3800, currency: 'USD' } },
      ]);
      const [charge] = activities.charges;
      expect(charge.invoice.lines).toEqual([
        expect.objectContaining({ clause: 'PAY-1c', quantity: 2, unitAmount: 1900, amount: 3800 }),
      ]);
      expect(charge.idempotencyKey).toBe(`${accountId}-0001:charge:1`);
      expect(charge.invoice.periodEnd).toBe(addMonths(charge.invoice.periodStart, 1));
      // The next renewal is at the end of this first period.
      expect(result.account.currentPeriod).toEqual({
        start: new Date(charge.invoice.periodStart).toISOString(),
        end: new Date(charge.invoice.periodEnd).toISOString(),
      });
      // PAY-7: a receipt for the charge.
      expect(activities.emails).toEqual([
        expect.objectContaining({ template: 'receipt', invoiceId: `${accountId}-0001` }),
      ]);
      expect(activities.recorded).toEqual([`${accountId}-0001`]);
    });
  });

  test('PAY-1d: each following month is charged at its start, anchored at the first charge', async () => {
    await withAccount(async ({ handle, activities }) => {
      const first = await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      const anchor = Date.parse(first.account.currentPeriod!.start);

      for (let month = 1; month <= 4; month += 1) {
        // The account is in use, so the inactivity clock never deletes it (INACT-2).
        await reportActivity(handle);
        await env.sleep(addMonths(anchor, month) - (await env.currentTimeMs()) + 1_000);
        await eventually(
          handle,
          (v) => v.currentPeriod?.start === new Date(addMonths(anchor, month)).toISOString(),
        );
      }

      expect(activities.charges.map((charge) => charge.invoice.periodStart)).toEqual(
        [0, 1, 2, 3, 4].map((month) => addMonths(anchor, month)),
      );
      expect(activities.charges.map((charge) => charge.invoice.lines[0].clause)).toEqual([
        'PAY-1c',
        'PAY-1d',
        'PAY-1d',
        'PAY-1d',
        'PAY-1d',
      ]);
      expect(activities.charges.every((charge) => charge.invoice.total === 3800)).toBe(true);
      // PAY-7: one receipt per charge, each for its own invoice.
      expect(activities.emails.filter((e) => e.template === 'receipt')).toHaveLength(5);
      expect(new Set(activities.charges.map((c) => c.idempotencyKey)).size).toBe(5);
    });
  });

  test('CAN-2: Stop Account cancels at once and nothing is ever charged again', async () => {
    await withAccount(async ({ handle, activities }) => {
      await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      await env.sleep('10 days');

      const stopped = await handle.executeUpdate(stopAccountUpdate);
      expect(stopped.account.status).toBe('cancelled');
      // Only the erasure of the content is left (CAN-3).
      expect(stopped.account.nextDeadline?.action).toBe('erase');
      expect(stopped.charged).toEqual([]);

      await env.sleep('90 days');
      const final = await handle.result();
      expect(final.status).toBe('deleted');
      expect(final.cancelledAt).toBe(stopped.account.cancelledAt);
      expect(activities.charges).toHaveLength(1);
      expect(templates(activities)).toEqual(['receipt', 'account_stopped']);
    });
  });

  test('CAN-2: Stop Account during a pending renewal never charges', async () => {
    await withAccount(async ({ handle, activities }) => {
      const first = await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      const renewalAt = Date.parse(first.account.currentPeriod!.end);
      // Used on day 10, so no inactivity warning falls before the renewal (INACT-1).
      await env.sleep('10 days');
      await reportActivity(handle);

      // One second before the renewal timer fires.
      await env.sleep(renewalAt - (await env.currentTimeMs()) - 1_000);
      expect((await state(handle)).nextDeadline?.action).toBe('renew');
      await handle.executeUpdate(stopAccountUpdate);

      await env.sleep('2 days');
      await handle.result();
      expect(activities.charges).toHaveLength(1);
    });
  });

  test('CAN-1: support cancellation filed on a Friday evening takes effect by the end of Monday', async () => {
    // Move the test server's clock to the next Friday, 18:00 UTC, before signing up.
    const now = new Date(await env.currentTimeMs());
    const daysToFriday = (5 - now.getUTCDay() + 7) % 7 || 7;
    const friday = Date.UTC(
      now.getUTCFullYear(),
      now.getUTCMonth(),
      now.getUTCDate() + daysToFriday,
      18,
    );
    await env.sleep(friday - (await env.currentTimeMs()));

    await withAccount(async ({ handle, activities }) => {
      await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      const filed = await handle.executeUpdate(requestCancellationUpdate);
      const mondayEnd =
        Date.UTC(
          new Date(friday).getUTCFullYear(),
          new Date(friday).getUTCMonth(),
          new Date(friday).getUTCDate() + 4,
        ) - 1;
      expect(filed.account.status).toBe('active');
      expect(filed.account.pendingCancellationAt).toBe(new Date(mondayEnd).toISOString());
      expect(filed.account.nextDeadline?.action).toBe('cancel');
      expect(activities.emails.map((e) => e.template)).toContain('cancellation_confirmed');
      expect(
        activities.emails.find((e) => e.template === 'cancellation_confirmed')?.effectiveAt,
      ).toBe(mondayEnd);

      // Still active over the weekend, cancelled by Monday's end.
      await env.sleep('2 days');
      expect((await state(handle)).status).toBe('active');
      await env.sleep(mondayEnd - (await env.currentTimeMs()) + 1_000);
      const cancelled = await eventually(handle, (v) => v.status === 'cancelled');
      expect(Date.parse(cancelled.cancelledAt!)).toBeLessThanOrEqual(mondayEnd);
      expect(activities.charges).toHaveLength(1);
    });
  });

  test('PAY-1c: a declined first charge is refused and the account stays in its trial', async () => {
    await withAccount(async ({ handle, activities }) => {
      const refused = handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: DECLINING_CARD }],
      });
      await expect(refused).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      await expect(refused).rejects.toMatchObject({ cause: { type: 'CARD_DECLINED' } });

      const view = await state(handle);
      expect(view.status).toBe('trialing');
      expect(view.hasPaymentMethod).toBe(false);
      expect(activities.recorded).toHaveLength(0);
      expect(templates(activities)).toEqual([]);

      // A working card afterwards still converts the trial.
      const result = await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      expect(result.account.status).toBe('active');
    });
  });

  test('PAY-13: a declined renewal is retried for 7 days, warned about, then suspended; a new card pays the period due', async () => {
    await withAccount(async ({ handle, activities, accountId }) => {
      const first = await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      // The owner swaps in a card that will decline (PAY-7: replacing the card charges nothing).
      const swapped = await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: DECLINING_CARD }],
      });
      expect(swapped.charged).toEqual([]);

      const renewalAt = Date.parse(first.account.currentPeriod!.end);
      await sleepInUse(env, handle, renewalAt - (await env.currentTimeMs()) + 1_000);
      const retrying = await eventually(handle, (v) => v.paymentFailedAt !== null);
      expect(retrying.status).toBe('active');
      expect(retrying.nextDeadline).toMatchObject({
        at: new Date(Date.parse(retrying.paymentFailedAt!) + 3 * DAY_MS).toISOString(),
        action: 'retry_payment',
      });
      expect(templates(activities)).toEqual(['receipt', 'payment_retrying']);

      await sleepInUse(env, handle, '6 days');
      const warned = await eventually(handle, () =>
        templates(activities).includes('payment_failed_final_warning'),
      );
      expect(warned.status).toBe('active');

      await sleepInUse(env, handle, '1 day');
      const suspended = await eventually(handle, (v) => v.status === 'suspended');
      expect(suspended.suspensionReason).toBe('payment_failed');
      expect(templates(activities)).toEqual([
        'receipt',
        'payment_retrying',
        'payment_failed_final_warning',
        'payment_failed',
      ]);

      const result = await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_mastercard' }],
      });
      expect(result.account.status).toBe('active');
      // The same invoice as the declined renewal, on a new attempt, for the period it covers.
      expect(result.charged).toEqual([
        { invoiceId: `${accountId}-0002`, amount: { amount: 3800, currency: 'USD' } },
      ]);
      expect(activities.charges.map((c) => c.idempotencyKey)).toEqual([
        `${accountId}-0001:charge:1`,
        `${accountId}-0002:charge:5`,
      ]);
      expect(result.account.currentPeriod!.start).toBe(new Date(renewalAt).toISOString());
    });
  });

  test('PAY-7: an email that cannot be sent never stops the account from being billed', async () => {
    const unreachable: FakeActivities = {
      ...fakeActivities(),
      sendEmail: () =>
        Promise.reject(
          ApplicationFailure.create({
            type: 'CONTACT_NOT_FOUND',
            message: 'No contact on file.',
            nonRetryable: true,
          }),
        ),
    };
    await withAccount(async ({ handle, activities }) => {
      const result = await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      expect(result.account.status).toBe('active');
      expect(activities.charges).toHaveLength(1);
      const { status } = await handle.describe();
      expect(status.name).toBe('RUNNING');
    }, unreachable);
  });

  test('CAN-2: commands to a cancelled account are refused', async () => {
    await withAccount(async ({ handle }) => {
      await handle.executeUpdate(stopAccountUpdate);
      await expect(
        handle.executeUpdate(attachPaymentMethodUpdate, {
          args: [{ paymentMethodId: 'pm_card_visa' }],
        }),
      ).rejects.toThrow();
      expect((await state(handle)).status).toBe('cancelled');
    });
  });
});
