/**
 * TERM-1 on the time-skipping server, with the real 7-day notice, the 30-day erasure grace
 * (CAN-3) and monthly renewals: the vendor suspends, reactivates and terminates accounts.
 */
import {
  ApplicationFailure,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { accountWorkflow } from '../../workflows';
import { accountWorkflowId } from '../../workflows/ids';
import {
  accountStateQuery,
  attachPaymentMethodUpdate,
  type AccountView,
} from '../../workflows/messages';
import {
  reactivateAccountUpdate,
  suspendAccountUpdate,
  terminateAccountUpdate,
} from '../../workflows/ops-messages';
import { DAY_MS } from '../../workflows/policy/periods';
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

interface Scenario {
  readonly handle: WorkflowHandle<typeof accountWorkflow>;
  readonly activities: FakeActivities;
  readonly paidAt: number;
}

/** Runs `body` with a worker and an account whose first month is paid (Team, 2 seats). */
async function withPayingAccount(body: (scenario: Scenario) => Promise<void>): Promise<void> {
  counter += 1;
  const taskQueue = `ops-actions-test-${counter}`;
  const accountId = `acc_ops_${counter}`;
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
      args: [{ accountId, plan: teamPlan, seats: 2, cycle: 'monthly' }],
    });
    const paid = await handle.executeUpdate(attachPaymentMethodUpdate, {
      args: [{ paymentMethodId: 'pm_card_visa' }],
    });
    const paidAt = Date.parse(paid.account.currentPeriod!.start);
    try {
      await body({ handle, activities, paidAt });
    } finally {
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') await handle.terminate('test finished');
    }
  });
}

function sent(activities: FakeActivities, template: string) {
  return activities.emails.filter((email) => email.template === template);
}

async function state(handle: WorkflowHandle): Promise<AccountView> {
  return handle.query(accountStateQuery);
}

describe('suspension', () => {
  test('TERM-1: the owner is warned at once, the account is suspended 7 days later, no renewal is charged while suspended, and reactivation charges the period due', async () => {
    await withPayingAccount(async ({ handle, activities, paidAt }) => {
      await sleepInUse(env, handle, '2 days');
      const announced = await handle.executeUpdate(suspendAccountUpdate, {
        args: [{ reason: 'terms_breach', urgent: false }],
      });
      expect(announced.account.status).toBe('active');
      const effectiveAt = Date.parse(announced.account.opsNotice!.effectiveAt);
      const askedAt = Date.parse(announced.account.opsNotice!.announcedAt);
      expect(effectiveAt - askedAt).toBe(7 * DAY_MS);
      expect(sent(activities, 'ops_suspension_notice')).toEqual([
        expect.objectContaining({ effectiveAt }),
      ]);
      expect(activities.audits.map((audit) => audit.kind)).toEqual(['ops_action_announced']);

      await sleepInUse(env, handle, 6.9 * DAY_MS);
      expect((await state(handle)).status).toBe('active');
      await env.sleep(0.2 * DAY_MS);
      const suspended = await eventually(handle, (view) => view.status === 'suspended');
      expect(suspended).toMatchObject({
        suspensionReason: 'ops_suspended',
        opsSuspension: { reason: 'terms_breach', since: new Date(effectiveAt).toISOString() },
      });
      expect(sent(activities, 'ops_suspended')).toHaveLength(1);

      // The paid month ends on day 30 after payment; nothing is charged while suspended.
      await env.sleep(paidAt + 40 * DAY_MS - (await env.currentTimeMs()));
      expect(activities.charges).toHaveLength(1);

      const lifted = await handle.executeUpdate(reactivateAccountUpdate, {
        args: [{ reason: 'resolved' }],
      });
      expect(lifted.account).toMatchObject({ status: 'active', opsSuspension: null });
      expect(lifted.charged).toHaveLength(1);
      expect(activities.charges).toHaveLength(2);
      expect(Date.parse(lifted.account.currentPeriod!.start)).toBeGreaterThan(paidAt + 39 * DAY_MS);
      expect(sent(activities, 'ops_reactivated')).toHaveLength(1);
      expect(activities.audits.map((audit) => audit.kind)).toEqual([
        'ops_action_announced',
        'account_suspended',
        'account_reactivated',
      ]);
    });
  });

  test('TERM-1: an urgent suspension takes effect at once; refusals carry their code and clause', async () => {
    await withPayingAccount(async ({ handle, activities }) => {
      const notSuspended: unknown = await handle
        .executeUpdate(reactivateAccountUpdate, { args: [{ reason: 'resolved' }] })
        .catch((error: unknown) => error);
      expect(notSuspended).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (notSuspended as WorkflowUpdateFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('NOT_SUSPENDED');
      expect((cause as ApplicationFailure).message).toMatch(/\(TERM-1\)$/);

      const suspended = await handle.executeUpdate(suspendAccountUpdate, {
        args: [{ reason: 'fraud', urgent: true }],
      });
      expect(suspended.account).toMatchObject({
        status: 'suspended',
        suspensionReason: 'ops_suspended',
      });
      expect(sent(activities, 'ops_suspension_notice')).toHaveLength(0);
      expect(sent(activities, 'ops_suspended')).toHaveLength(1);

      await expect(
        handle.executeUpdate(suspendAccountUpdate, { args: [{ reason: 'abuse', urgent: true }] }),
      ).rejects.toMatchObject({ cause: { type: 'ALREADY_SUSPENDED' } });
      await expect(
        handle.executeUpdate(attachPaymentMethodUpdate, { args: [{ paymentMethodId: 'pm_x' }] }),
      ).rejects.toMatchObject({ cause: { type: 'ACCOUNT_SUSPENDED' } });
      expect(activities.charges).toHaveLength(1);
    });
  });
});

describe('termination', () => {
  test('TERM-1: a termination takes effect after the notice, charges nothing more, and the account is erased 30 days later (CAN-3)', async () => {
    await withPayingAccount(async ({ handle, activities }) => {
      const announced = await handle.executeUpdate(terminateAccountUpdate, {
        args: [{ reason: 'abuse', urgent: false }],
      });
      const effectiveAt = Date.parse(announced.account.opsNotice!.effectiveAt);
      expect(sent(activities, 'ops_termination_notice')).toEqual([
        expect.objectContaining({ effectiveAt }),
      ]);
      await expect(
        handle.executeUpdate(reactivateAccountUpdate, { args: [{ reason: 'appeal_upheld' }] }),
      ).rejects.toMatchObject({ cause: { type: 'TERMINATION_PENDING' } });

      await sleepInUse(env, handle, '7 days');
      const terminated = await eventually(handle, (view) => view.status === 'cancelled');
      expect(terminated).toMatchObject({
        cancelledAt: new Date(effectiveAt).toISOString(),
        termination: { reason: 'abuse', at: new Date(effectiveAt).toISOString() },
        deletionDueAt: new Date(effectiveAt + 30 * DAY_MS).toISOString(),
      });
      expect(sent(activities, 'ops_terminated')).toHaveLength(1);
      await expect(
        handle.executeUpdate(reactivateAccountUpdate, { args: [{ reason: 'resolved' }] }),
      ).rejects.toMatchObject({ cause: { type: 'ACCOUNT_CLOSED' } });

      // Past the renewal and on to the erasure: nothing more is charged.
      const final = await handle.result();
      expect(final).toMatchObject({ status: 'deleted' });
      expect(activities.erasures).toEqual([expect.objectContaining({ reason: 'terminated' })]);
      expect(activities.charges).toHaveLength(1);
      expect(activities.audits.map((audit) => audit.kind)).toEqual([
        'ops_action_announced',
        'account_terminated',
      ]);
    });
  });
});
