/**
 * The coupon workflow (one per code) on Temporal's time-skipping test server: 50 racing
 * redemptions of one code, the deadline, codes that do not stack, and shared-code reports.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { TemporalCouponGateway } from '../../api/coupon-gateway';
import { accountWorkflow } from '../../workflows';
import { couponWorkflowStateQuery } from '../../workflows/coupon-messages';
import { accountWorkflowId, couponWorkflowId } from '../../workflows/ids';
import { accountStateQuery, type AccountView } from '../../workflows/messages';
import { couponAccountId, DEFAULT_EXTRA_SEAT_PRICE } from '../../workflows/policy/coupon';
import { startTimeSkipping } from '../support/time-skipping';
import { allInclusivePlan, fakeCouponActivities, type FakeCouponActivities } from './coupon-fakes';
import { eventually } from './eventually';

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

interface Context {
  readonly activities: FakeCouponActivities;
  readonly taskQueue: string;
  readonly gateway: TemporalCouponGateway;
  readonly started: string[];
}

/** Runs `body` with a worker; terminates every workflow it names in `started` afterwards. */
async function withWorker(body: (context: Context) => Promise<void>): Promise<void> {
  counter += 1;
  const taskQueue = `coupon-test-${counter}`;
  const activities = fakeCouponActivities();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
  });
  const started: string[] = [];
  await worker.runUntil(async () => {
    try {
      await body({
        activities,
        taskQueue,
        gateway: new TemporalCouponGateway(env.client, { taskQueue }),
        started,
      });
    } finally {
      // A workflow left running without a worker would hold the test server's clock still.
      for (const workflowId of started) {
        const handle = env.client.workflow.getHandle(workflowId);
        const description = await handle.describe().catch(() => null);
        if (description?.status.name === 'RUNNING') await handle.terminate('test finished');
      }
    }
  });
}

function hashFor(label: string): string {
  return `${label}${'0'.repeat(64)}`.slice(0, 64).replace(/[^0-9a-f]/g, 'f');
}

function campaign(redeemBy: number) {
  return {
    campaignId: 'appsumo-2026',
    planId: 'all-inclusive',
    currency: 'USD' as const,
    includedSeats: 2,
    extraSeatPrice: DEFAULT_EXTRA_SEAT_PRICE.amount,
    redeemBy,
  };
}

function refusalType(error: unknown): string | undefined {
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    return error.cause.type ?? undefined;
  }
  return undefined;
}

/** The refusal type a command was refused with (fails the test if it was accepted). */
async function refusalOf(command: Promise<unknown>): Promise<string | undefined> {
  try {
    await command;
  } catch (error) {
    return refusalType(error);
  }
  throw new Error('The command was accepted');
}

/** Starts a coupon account directly (as the coupon workflow does) on the All-inclusive plan. */
async function couponAccount(
  context: Context,
): Promise<{ handle: WorkflowHandle<typeof accountWorkflow>; accountId: string }> {
  const accountId = `acc_coupon_${counter}`;
  const workflowId = accountWorkflowId(accountId);
  context.started.push(workflowId);
  const handle = await env.client.workflow.start(accountWorkflow, {
    taskQueue: context.taskQueue,
    workflowId,
    args: [
      {
        accountId,
        plan: allInclusivePlan,
        seats: 2,
        cycle: 'monthly',
        coupon: {
          codeHash: hashFor(String(counter)),
          campaignId: 'appsumo-2026',
          includedSeats: 2,
          extraSeatPrice: DEFAULT_EXTRA_SEAT_PRICE,
        },
      },
    ],
  });
  return { handle, accountId };
}

const view = (handle: WorkflowHandle): Promise<AccountView> => handle.query(accountStateQuery);
describe('coupon workflow', () => {
  test('LTD-2: 50 concurrent redemptions of one code open exactly one account', async () => {
    await withWorker(async (context) => {
      const codeHash = hashFor('race');
      context.started.push(
        couponWorkflowId(codeHash),
        accountWorkflowId(couponAccountId(codeHash)),
      );
      context.activities.campaigns.set(codeHash, campaign(Date.UTC(2999, 0, 1)));

      const attempts = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => context.gateway.redeem(codeHash, `request-${i}`)),
      );

      const accepted = attempts.filter((a) => a.status === 'fulfilled');
      const refused = attempts.filter((a) => a.status === 'rejected');
      expect(accepted).toHaveLength(1);
      expect(refused.map((a) => refusalType(a.reason))).toEqual(
        Array.from({ length: 49 }, () => 'CODE_ALREADY_REDEEMED'),
      );
      expect(context.activities.created).toHaveLength(1);
      const accountId = couponAccountId(codeHash);
      expect(accepted[0]?.status === 'fulfilled' && accepted[0].value.accountId).toBe(accountId);

      // LTD-4: the account is active on the plan with the included seats, no trial.
      const account = await eventually(
        () => view(env.client.workflow.getHandle(accountWorkflowId(accountId))),
        () => true,
      );
      expect(account).toMatchObject({ status: 'active', seats: 2, trialEndsAt: null });
      expect(account.planId).toBe('all-inclusive');
      expect(context.activities.charges).toHaveLength(0);

      // A retry of the winning request gets the same answer; a later attempt is refused.
      const winner = context.activities.created[0].requestId;
      await expect(context.gateway.redeem(codeHash, winner)).resolves.toMatchObject({ accountId });
      expect(await refusalOf(context.gateway.redeem(codeHash, 'late'))).toBe(
        'CODE_ALREADY_REDEEMED',
      );
      const state = await env.client.workflow
        .getHandle(couponWorkflowId(codeHash))
        .query(couponWorkflowStateQuery);
      expect(state.redeemedBy).toBe(accountId);
    });
  });

  test('LTD-3: a redemption after the campaign deadline is refused and opens nothing', async () => {
    await withWorker(async (context) => {
      const codeHash = hashFor('late');
      context.started.push(couponWorkflowId(codeHash));
      const now = await env.currentTimeMs();
      context.activities.campaigns.set(codeHash, campaign(now - 1_000));
      expect(await refusalOf(context.gateway.redeem(codeHash, 'request-late'))).toBe(
        'REDEMPTION_CLOSED',
      );
      expect(context.activities.created).toHaveLength(0);
    });
  });

  test('LTD-11: an owner holding a coupon account is refused, and the code stays unused', async () => {
    await withWorker(async (context) => {
      const codeHash = hashFor('stack');
      context.started.push(
        couponWorkflowId(codeHash),
        accountWorkflowId(couponAccountId(codeHash)),
      );
      context.activities.campaigns.set(codeHash, campaign(Date.UTC(2999, 0, 1)));
      context.activities.holders.set('request-holder', 'acc_000000000000000000000001');
      expect(await refusalOf(context.gateway.redeem(codeHash, 'request-holder'))).toBe(
        'ACCOUNT_ALREADY_HAS_CODE',
      );
      expect(context.activities.created).toHaveLength(0);
      await expect(context.gateway.redeem(codeHash, 'request-new')).resolves.toMatchObject({
        accountId: couponAccountId(codeHash),
      });
    });
  });

  test('LTD-2: accounts reported to share a code are suspended (code_abuse), except the first', async () => {
    await withWorker(async (context) => {
      const codeHash = hashFor('shared');
      const first = couponAccountId(codeHash);
      context.started.push(couponWorkflowId(codeHash), accountWorkflowId(first));
      context.activities.campaigns.set(codeHash, campaign(Date.UTC(2999, 0, 1)));
      await context.gateway.redeem(codeHash, 'request-first');
      const other = await couponAccount(context);

      const report = await context.gateway.reportSharedCode(
        codeHash,
        [first, other.accountId],
        'report-1',
      );
      expect(report.suspended).toEqual([other.accountId]);
      const suspended = await eventually(
        () => view(other.handle),
        (v) => v.status === 'suspended',
      );
      expect(suspended.suspensionReason).toBe('code_abuse');
      expect((await view(env.client.workflow.getHandle(accountWorkflowId(first)))).status).toBe(
        'active',
      );
      expect(context.activities.emails.map((e) => e.template)).toContain('code_abuse_suspended');
    });
  });
});
