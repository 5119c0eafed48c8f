/**
 * The end of an account's life on the time-skipping server, with the real durations: the
 * 28-day inactivity warning, the 56-day deletion (INACT-1, INACT-2) and the erasure 30 days
 * after a cancellation (CAN-3).
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { accountWorkflow } from '../../workflows';
import { accountWorkflowId } from '../../workflows/ids';
import {
  accountStateQuery,
  attachPaymentMethodUpdate,
  reportActivitySignal,
  stopAccountUpdate,
  type AccountView,
} from '../../workflows/messages';
import { DAY_MS } from '../../workflows/policy/periods';
import { startTimeSkipping } from '../support/time-skipping';
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
  readonly startedAt: number;
  /** Skips time until `days` after the account was opened. */
  readonly sleepUntilDay: (days: number) => Promise<void>;
}

/** Runs `body` with a worker and a paying account (Team plan, 2 seats, monthly). */
async function withPayingAccount(body: (scenario: Scenario) => Promise<void>): Promise<void> {
  counter += 1;
  const taskQueue = `lifecycle-test-${counter}`;
  const accountId = `acc_lifecycle_${counter}`;
  const activities = fakeActivities();
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
    await handle.executeUpdate(attachPaymentMethodUpdate, {
      args: [{ paymentMethodId: 'pm_card_visa' }],
    });
    const sleepUntilDay = async (days: number) => {
      const wait = startedAt + days * DAY_MS - (await env.currentTimeMs());
      if (wait > 0) await env.sleep(wait);
    };
    try {
      await body({ handle, activities, startedAt, sleepUntilDay });
    } finally {
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') await handle.terminate('test finished');
    }
  });
}

async function state(handle: WorkflowHandle): Promise<AccountView> {
  return handle.query(accountStateQuery);
}

function warnings(activities: FakeActivities) {
  return activities.emails.filter((email) => email.template === 'inactivity_warning');
}

/** An instant within a minute of `expected` (the server's clock moves a little while we ask). */
function near(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThan(60_000);
}

describe('inactivity', () => {
  test('INACT-1, INACT-2: an unused account is warned on day 28 and deleted on day 56', async () => {
    await withPayingAccount(async ({ handle, activities, startedAt, sleepUntilDay }) => {
      await sleepUntilDay(27.9);
      expect(warnings(activities)).toHaveLength(0);

      await sleepUntilDay(28.1);
      await eventually(handle, () => warnings(activities).length === 1);
      const [warning] = warnings(activities);
      // The warning names the deletion date: 56 days after the last activity (signup).
      near(warning.effectiveAt!, startedAt + 56 * DAY_MS);

      await sleepUntilDay(55.9);
      const before = await state(handle);
      expect(before.status).toBe('active');
      expect(before.nextDeadline?.action).toBe('delete_inactive');
      expect(activities.erasures).toHaveLength(0);

      const final = await handle.result();
      expect(final.status).toBe('deleted');
      near(Date.parse(final.erasedAt!), startedAt + 56 * DAY_MS);
      expect(activities.erasures).toEqual([expect.objectContaining({ reason: 'inactivity' })]);
      // Warned once only; and the renewal on day ~30 was the last charge.
      expect(warnings(activities)).toHaveLength(1);
      expect(activities.charges).toHaveLength(2);
    });
  });

  test('INACT-1, INACT-2: activity on day 27 and day 50 postpones the warning and the deletion', async () => {
    await withPayingAccount(async ({ handle, activities, startedAt, sleepUntilDay }) => {
      const reportOn = async (day: number) => {
        await sleepUntilDay(day);
        await handle.signal(reportActivitySignal);
        await eventually(handle, (v) => Date.parse(v.lastActivityAt) >= startedAt + day * DAY_MS);
      };
      await reportOn(27);
      // Day 28 passes without a warning.
      await sleepUntilDay(29);
      expect(warnings(activities)).toHaveLength(0);

      await reportOn(50);
      // Neither the warning due on day 55 (27 + 28) nor the deletion due on day 56 happens.
      await sleepUntilDay(77.9);
      expect(warnings(activities)).toHaveLength(0);
      expect((await state(handle)).status).toBe('active');
      expect(activities.erasures).toHaveLength(0);

      // Warned on day 78 (50 + 28), naming day 106 (50 + 56)...
      await sleepUntilDay(78.1);
      await eventually(handle, () => warnings(activities).length === 1);
      near(warnings(activities)[0].effectiveAt!, startedAt + 106 * DAY_MS);
      // ...not deleted on day 83 (27 + 56)...
      await sleepUntilDay(84);
      expect((await state(handle)).status).toBe('active');
      expect(activities.erasures).toHaveLength(0);

      // ...and deleted on day 106.
      await sleepUntilDay(105.9);
      expect((await state(handle)).status).toBe('active');
      const final = await handle.result();
      expect(final.status).toBe('deleted');
      near(Date.parse(final.erasedAt!), startedAt + 106 * DAY_MS);
      expect(warnings(activities)).toHaveLength(1);
    });
  });

  test('INACT-1: activity after the warning re-arms it for the next stretch of inactivity', async () => {
    await withPayingAccount(async ({ handle, activities, startedAt, sleepUntilDay }) => {
      await sleepUntilDay(28.1);
      await eventually(handle, () => warnings(activities).length === 1);

      await sleepUntilDay(40);
      await handle.signal(reportActivitySignal);
      await eventually(handle, (v) => Date.parse(v.lastActivityAt) >= startedAt + 40 * DAY_MS);

      await sleepUntilDay(57);
      expect((await state(handle)).status).toBe('active');
      await sleepUntilDay(68.1);
      await eventually(handle, () => warnings(activities).length === 2);
      near(warnings(activities)[1].effectiveAt!, startedAt + 96 * DAY_MS);
    });
  });
});

describe('erasure after cancellation', () => {
  test('CAN-3: a stopped account is erased 30 days later and its workflow ends', async () => {
    await withPayingAccount(async ({ handle, activities, sleepUntilDay }) => {
      await sleepUntilDay(5);
      const stopped = await handle.executeUpdate(stopAccountUpdate);
      const cancelledAt = Date.parse(stopped.account.cancelledAt!);
      expect(Date.parse(stopped.account.deletionDueAt!)).toBe(cancelledAt + 30 * DAY_MS);

      // Activity does not postpone the erasure of a cancelled account.
      await sleepUntilDay(20);
      await handle.signal(reportActivitySignal);
      await sleepUntilDay(34.9);
      expect((await state(handle)).status).toBe('cancelled');
      expect(activities.erasures).toHaveLength(0);

      const final = await handle.result();
      expect(final).toMatchObject({ status: 'deleted', cancelledAt: stopped.account.cancelledAt });
      near(Date.parse(final.erasedAt!), cancelledAt + 30 * DAY_MS);
      expect(activities.erasures).toEqual([expect.objectContaining({ reason: 'cancelled' })]);
      expect(activities.charges).toHaveLength(1);
    });
  });
});
