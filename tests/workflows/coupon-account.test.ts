/**
 * Lifetime-deal accounts on Temporal's time-skipping test server with the real durations:
 * whole calendar months of seat-time, a 7-day grace period and a suspension.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { TemporalCouponGateway } from '../../api/coupon-gateway';
import { accountWorkflow } from '../../workflows';
import {
  billingDetailsProvidedUpdate,
  changeCouponSeatsUpdate,
  couponStateQuery,
  type CouponView,
} from '../../workflows/coupon-messages';
import { accountWorkflowId } from '../../workflows/ids';
import {
  accountStateQuery,
  attachPaymentMethodUpdate,
  reportActivitySignal,
  type AccountView,
} from '../../workflows/messages';
import { DEFAULT_EXTRA_SEAT_PRICE } from '../../workflows/policy/coupon';
import { divideHalfUp } from '../../workflows/policy/money';
import { DAY_MS } from '../../workflows/policy/periods';
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
/** The coupon emails sent; the inactivity warning (INACT-1) runs beside and is tested elsewhere. */
function couponTemplates(context: Context): string[] {
  return context.activities.emails
    .map((email) => email.template)
    .filter((template) => template !== 'inactivity_warning');
}

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
const coupon = (handle: WorkflowHandle): Promise<CouponView | null> =>
  handle.query(couponStateQuery);

/** Midnight UTC of day `day` of the month `monthsAhead` after the one containing `at`. */
function dayOf(at: number, monthsAhead: number, day: number): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + monthsAhead, day);
}

async function sleepUntil(at: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (at > now) await env.sleep(at - now);
}

describe('coupon account', () => {
  test('LTD-6: going over the included seats emails the owner, again after dropping back', async () => {
    await withWorker(async (context) => {
      const { handle } = await couponAccount(context);
      const seats = (n: number) =>
        handle.executeUpdate(changeCouponSeatsUpdate, { args: [{ seats: n }] });
      await seats(2);
      expect(context.activities.emails).toHaveLength(0);
      const result = await seats(3);
      expect(result.account.seats).toBe(3);
      await seats(4);
      expect(context.activities.emails.map((e) => e.template)).toEqual(['seats_over_included']);
      await seats(2);
      await seats(5);
      expect(context.activities.emails.map((e) => e.template)).toEqual([
        'seats_over_included',
        'seats_over_included',
      ]);
      // LTD-9: going over asks for nothing to be paid yet.
      expect(context.activities.charges).toHaveLength(0);
    });
  });

  test('LTD-5: 3 extra seats added on the 10th and one removed on the 20th give the exact invoice', async () => {
    await withWorker(async (context) => {
      const { handle } = await couponAccount(context);
      context.activities.missingFields.set(`acc_coupon_${counter}`, []);
      const startedAt = await env.currentTimeMs();
      await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      await handle.executeUpdate(billingDetailsProvidedUpdate);

      const tenth = dayOf(startedAt, 1, 10);
      const twentieth = dayOf(startedAt, 1, 20);
      const monthEnd = dayOf(startedAt, 2, 1);
      const daysInMonth = (monthEnd - dayOf(startedAt, 1, 1)) / DAY_MS;

      await sleepUntil(tenth);
      await handle.executeUpdate(changeCouponSeatsUpdate, { args: [{ seats: 5 }] });
      await sleepUntil(twentieth);
      await handle.executeUpdate(changeCouponSeatsUpdate, { args: [{ seats: 4 }] });
      // The month with the included seats only (the one of signup) cost nothing.
      expect(context.activities.charges).toHaveLength(0);
      await sleepUntil(monthEnd + 1_000);
      await eventually(
        () => Promise.resolve(context.activities.charges.length),
        (n) => n === 1,
      );

      const invoice = context.activities.charges[0].invoice;
      const price = DEFAULT_EXTRA_SEAT_PRICE.amount;
      const first = divideHalfUp(price * 3 * 10, daysInMonth);
      const second = divideHalfUp(price * 2 * (daysInMonth - 19), daysInMonth);
      expect(invoice.lines.map((line) => [line.clause, line.quantity, line.amount])).toEqual([
        ['LTD-5', 3, first],
        ['LTD-5', 2, second],
      ]);
      expect(invoice.total).toBe(first + second);
      expect(invoice.lines[0].periodStart - tenth).toBeLessThan(60_000);
      expect(invoice.lines[1].periodStart - twentieth).toBeLessThan(60_000);
      expect(invoice.lines[1].periodEnd).toBe(monthEnd);
      if (daysInMonth === 31) expect(invoice.total).toBe(3774 + 3019);
      expect(couponTemplates(context)).toEqual(['seats_over_included', 'receipt']);
      expect((await view(handle)).status).toBe('active');
    });
  });

  test('LTD-10: missing billing details: warning, suspension after 7 days, then details and card pay and restore access', async () => {
    await withWorker(async (context) => {
      const { handle, accountId } = await couponAccount(context);
      const startedAt = await env.currentTimeMs();
      await handle.executeUpdate(changeCouponSeatsUpdate, { args: [{ seats: 3 }] });

      const monthEnd = dayOf(startedAt, 1, 1);
      await sleepUntil(monthEnd + 1_000);
      const due = await eventually(
        () => coupon(handle),
        (c) => (c?.due.length ?? 0) === 1,
      );
      expect(couponTemplates(context)).toEqual(['seats_over_included', 'billing_details_required']);
      expect((await view(handle)).status).toBe('active');

      await env.sleep('6 days');
      expect((await view(handle)).status).toBe('active');
      await env.sleep('1 day');
      const suspended = await eventually(
        () => view(handle),
        (v) => v.status === 'suspended',
      );
      expect(suspended.suspensionReason).toBe('billing_details_missing');
      expect(context.activities.charges).toHaveLength(0);

      // The card alone does not charge while the details are incomplete.
      await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      expect(context.activities.charges).toHaveLength(0);
      expect((await view(handle)).status).toBe('suspended');

      context.activities.missingFields.set(accountId, []);
      const result = await handle.executeUpdate(billingDetailsProvidedUpdate);
      expect(result.account.status).toBe('active');
      expect(result.account.suspensionReason).toBeNull();
      expect(context.activities.charges).toHaveLength(1);
      expect(context.activities.charges[0].invoice.total).toBe(due!.due[0].total);
      expect(result.charged.map((c) => c.invoiceId)).toEqual([due!.due[0].invoiceId]);
      expect((await coupon(handle))?.due).toEqual([]);
    });
  });

  test('LTD-9: a coupon account that never goes over is never asked for anything', async () => {
    await withWorker(async (context) => {
      const { handle } = await couponAccount(context);
      // Used every 25 days, so the inactivity clock (INACT-1, INACT-2) never acts.
      for (let step = 0; step < 4; step += 1) {
        await handle.signal(reportActivitySignal);
        await env.sleep('25 days');
      }
      expect((await view(handle)).status).toBe('active');
      expect(context.activities.emails).toHaveLength(0);
      expect(context.activities.charges).toHaveLength(0);
    });
  });
});
