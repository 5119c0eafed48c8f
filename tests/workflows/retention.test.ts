/**
 * GDPR-2 erasure on request and GDPR-4 retention on the time-skipping server, with the real
 * durations: an erasure request stops and erases the account at once and its workflow ends; the
 * retention timer it leaves behind purges what is still held 5 years after the account ended,
 * not a day before.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { accountWorkflow } from '../../workflows';
import { accountWorkflowId, retentionWorkflowId } from '../../workflows/ids';
import {
  accountStateQuery,
  attachPaymentMethodUpdate,
  eraseOnRequestUpdate,
  stopAccountUpdate,
} from '../../workflows/messages';
import { addMonths, DAY_MS } from '../../workflows/policy/periods';
import { retentionStateQuery, type retentionWorkflow } from '../../workflows/retention';
import { startTimeSkipping } from './environment';
import { eventually } from './eventually';
import { fakeActivities, teamPlan, type FakeActivities } from './fakes';

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
  readonly accountId: string;
  readonly handle: WorkflowHandle<typeof accountWorkflow>;
  readonly activities: FakeActivities;
  readonly retention: () => WorkflowHandle<typeof retentionWorkflow>;
}

/** Runs `body` with a worker and a paying account (Team plan, 2 seats, monthly). */
async function withPayingAccount(body: (scenario: Scenario) => Promise<void>): Promise<void> {
  counter += 1;
  const taskQueue = `retention-test-${counter}`;
  const accountId = `acc_retention_${counter}`;
  const activities = fakeActivities();
  // The worker's real activity starts the timer through its client; here the test's client does.
  const startRetentionTimer: FakeActivities['startRetentionTimer'] = async (input) => {
    activities.retentionTimers.push(input);
    await env.client.workflow.start<typeof retentionWorkflow>('retentionWorkflow', {
      taskQueue,
      workflowId: retentionWorkflowId(input.accountId),
      args: [input],
    });
    return { started: true };
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: { ...activities, startRetentionTimer },
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(accountWorkflow, {
      taskQueue,
      workflowId: accountWorkflowId(accountId),
      args: [{ accountId, plan: teamPlan, seats: 2, cycle: 'monthly' }],
    });
    await handle.executeUpdate(attachPaymentMethodUpdate, {
      args: [{ paymentMethodId: 'pm_card_visa' }],
    });
    const retention = () =>
      env.client.workflow.getHandle<typeof retentionWorkflow>(retentionWorkflowId(accountId));
    try {
      await body({ accountId, handle, activities, retention });
    } finally {
      for (const running of [handle, retention()]) {
        const status = await running.describe().then(
          (described) => described.status.name,
          () => null,
        );
        if (status === 'RUNNING') await running.terminate('test finished');
      }
    }
  });
}

/**
 * Waits, in real time, until the workflow has ended. Unlike `result()`, this does not let the
 * server skip time, which would run on to the retention timer 5 years later.
 */
function ended(handle: WorkflowHandle): Promise<string> {
  return eventually(
    () => handle.describe().then((described) => described.status.name),
    (status) => status !== 'RUNNING',
  );
}

/** An instant within a minute of `expected` (the server's clock moves a little while we ask). */
function near(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThan(60_000);
}

describe('erasure on request', () => {
  test('GDPR-2: an erasure request stops the account, erases it at once, and its workflow ends', async () => {
    await withPayingAccount(async ({ handle, activities, retention }) => {
      await env.sleep(3 * DAY_MS);
      const result = await handle.executeUpdate(eraseOnRequestUpdate);
      expect(result.account.status).toBe('deleted');
      expect(result.charged).toEqual([]);
      const erasedAt = Date.parse(result.account.erasedAt!);
      // Stopped and erased in one step: not 30 days later as after a plain stop (CAN-3).
      expect(result.account.cancelledAt).toBe(result.account.erasedAt);
      expect(activities.erasures).toEqual([
        expect.objectContaining({ reason: 'erasure_request', erasedAt }),
      ]);
      // INACT-2's "the workflow ends" holds: the account workflow completes ...
      expect(await ended(handle)).toBe('COMPLETED');
      expect((await handle.query(accountStateQuery)).status).toBe('deleted');
      // ... while the retention timer it started runs on its own.
      const timer = await retention().describe();
      expect(timer.status.name).toBe('RUNNING');
      const view = await retention().query(retentionStateQuery);
      expect(view).toEqual({
        accountId: expect.any(String) as unknown,
        endedAt: new Date(erasedAt).toISOString(),
        purgeAt: new Date(addMonths(erasedAt, 60)).toISOString(),
        purgedAt: null,
      });
      // Nothing more is charged after the erasure.
      expect(activities.charges).toHaveLength(1);
    });
  });

  test('GDPR-2: a deleted account refuses a second erasure request as closed', async () => {
    await withPayingAccount(async ({ handle }) => {
      await handle.executeUpdate(eraseOnRequestUpdate);
      expect(await ended(handle)).toBe('COMPLETED');
      await expect(handle.executeUpdate(eraseOnRequestUpdate)).rejects.toThrow();
    });
  });
});

describe('retention', () => {
  test('GDPR-4: personal data still held is erased 5 years after the account ends, not a day before', async () => {
    await withPayingAccount(async ({ accountId, handle, activities, retention }) => {
      await env.sleep(5 * DAY_MS);
      const stopped = await handle.executeUpdate(stopAccountUpdate);
      const endedAt = Date.parse(stopped.account.cancelledAt!);
      // CAN-3: erased 30 days after the stop; the workflow ends.
      await env.sleep(30 * DAY_MS + 60_000);
      expect(await ended(handle)).toBe('COMPLETED');
      const final = await handle.query(accountStateQuery);
      near(Date.parse(final.erasedAt!), endedAt + 30 * DAY_MS);
      expect(activities.purges).toEqual([]);

      // 5 years counted from when the account ended (its stop), not from its erasure.
      const purgeAt = addMonths(endedAt, 5 * 12);
      const view = await retention().query(retentionStateQuery);
      expect(view).toMatchObject({
        endedAt: new Date(endedAt).toISOString(),
        purgeAt: new Date(purgeAt).toISOString(),
        purgedAt: null,
      });

      // A day before: nothing purged yet.
      await env.sleep(purgeAt - DAY_MS - (await env.currentTimeMs()));
      expect(await env.currentTimeMs()).toBeGreaterThan(endedAt + 4 * 365 * DAY_MS);
      expect((await retention().query(retentionStateQuery)).purgedAt).toBeNull();
      expect(activities.purges).toEqual([]);

      // Then the timer fires at its deadline and the purge runs, once.
      const record = await retention().result();
      expect(record.purgedAt).toBeGreaterThanOrEqual(purgeAt);
      near(record.purgedAt, purgeAt);
      expect(activities.purges).toEqual([
        {
          accountId,
          reason: 'cancelled',
          endedAt,
          purgedAt: record.purgedAt,
          idempotencyKey: `${accountId}:retention-purge`,
        },
      ]);
      // The account's own state is unaffected: its workflow ended 5 years ago.
      expect((await handle.query(accountStateQuery)).status).toBe('deleted');
    });
  });
});
