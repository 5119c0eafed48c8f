/**
 * Stripe's payment events in the account workflow, on the time-skipping server: recorded once
 * per event id, shown by a query, and never a reason to charge, email or change the account.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { accountWorkflow } from '../../workflows';
import { accountWorkflowId } from '../../workflows/ids';
import {
  accountStateQuery,
  attachPaymentMethodUpdate,
  paymentEventSignal,
  paymentEventsQuery,
  type PaymentEvent,
} from '../../workflows/messages';
import { startTimeSkipping } from './environment';
import { fakeActivities, teamPlan } from './fakes';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;

beforeAll(async () => {
  env = await startTimeSkipping();
  bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
}, 300_000);

afterAll(async () => {
  await env?.teardown();
});

test('a payment event is recorded once per event id and never charges', async () => {
  const taskQueue = 'payment-events-test';
  const accountId = 'acc_payment_events';
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
    try {
      const paid = await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      expect(paid.charged).toHaveLength(1);
      const before = await handle.query(accountStateQuery);
      const emailsBefore = activities.emails.length;

      const succeeded: PaymentEvent = {
        eventId: 'evt_succeeded_1',
        type: 'payment_succeeded',
        invoiceId: `${accountId}-0001`,
        paymentIntentId: 'pi_1',
        amount: 3800,
        currency: 'USD',
      };
      await handle.signal(paymentEventSignal, succeeded);
      await handle.signal(paymentEventSignal, succeeded);
      await handle.signal(paymentEventSignal, succeeded);
      // A failure reported for the invoice the account holds paid: logged for ops, no action.
      await handle.signal(paymentEventSignal, {
        ...succeeded,
        eventId: 'evt_failed_1',
        type: 'payment_failed',
      });
      await handle.signal(paymentEventSignal, {
        ...succeeded,
        eventId: 'evt_failed_1',
        type: 'payment_failed',
      });

      const events = await handle.query(paymentEventsQuery);
      expect(events.received).toBe(2);
      expect(events.lastPaymentEvent).toMatchObject({
        eventId: 'evt_failed_1',
        type: 'payment_failed',
        invoiceId: `${accountId}-0001`,
        paymentIntentId: 'pi_1',
        amount: 3800,
        currency: 'USD',
      });

      await env.sleep('1 day');
      expect(activities.charges).toHaveLength(1);
      expect(activities.recorded).toEqual([`${accountId}-0001`]);
      expect(activities.emails).toHaveLength(emailsBefore);
      const after = await handle.query(accountStateQuery);
      expect(after).toEqual(before);
    } finally {
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') await handle.terminate('test finished');
    }
  });
});
