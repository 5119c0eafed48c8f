/**
 * VAT (PAY-10) and billing-details corrections (PAY-9) in the account workflow, on the
 * time-skipping server with the real 15-day window.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { accountWorkflow } from '../../workflows';
import { accountWorkflowId } from '../../workflows/ids';
import { attachPaymentMethodUpdate, correctBillingDetailsUpdate } from '../../workflows/messages';
import { REVERSE_CHARGE_NOTE } from '../../workflows/policy/vat';
import { startTimeSkipping } from './environment';
import { sleepInUse } from './in-use';
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
  readonly handle: WorkflowHandle<typeof accountWorkflow>;
  readonly activities: FakeActivities;
  readonly accountId: string;
}

async function withAccount(
  body: (scenario: Scenario) => Promise<void>,
  activities: FakeActivities = fakeActivities(),
): Promise<void> {
  counter += 1;
  const taskQueue = `billing-details-test-${counter}`;
  const accountId = `acc_vat_${counter}`;
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
      await body({ handle, activities, accountId });
    } finally {
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') await handle.terminate('test finished');
    }
  });
}

async function refusalOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (
    !(error instanceof WorkflowUpdateFailedError) ||
    !(error.cause instanceof ApplicationFailure)
  ) {
    throw new Error(`expected a refused update, got ${String(error)}`);
  }
  return error.cause;
}

describe('VAT and billing-details corrections', () => {
  test('PAY-10: the charge is the total including the tax of the snapshotted treatment; reverse charge carries its note', async () => {
    const activities = fakeActivities();
    activities.treatment = { treatment: 'eu_consumer', country: 'DE', rateBasisPoints: 1900 };
    await withAccount(async ({ handle, accountId }) => {
      const result = await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      // Team x 2 monthly = 3800; 19 % of it is 722.
      expect(result.charged).toEqual([
        { invoiceId: `${accountId}-0001`, amount: { amount: 4522, currency: 'USD' } },
      ]);
      expect(activities.charges[0].invoice).toMatchObject({
        subtotal: 3800,
        tax: 722,
        total: 4522,
      });

      // PAY-10: a valid VAT id set now changes nothing on the invoice already issued and
      // applies from the next one (the renewal), with the reverse-charge note.
      activities.treatment = { treatment: 'reverse_charge', country: 'DE', rateBasisPoints: 0 };
      await sleepInUse(env, handle, '32 days');
      expect(activities.charges).toHaveLength(2);
      expect(activities.charges[1].invoice).toMatchObject({
        invoiceId: `${accountId}-0002`,
        subtotal: 3800,
        tax: 0,
        total: 3800,
        taxTreatment: { treatment: 'reverse_charge', note: REVERSE_CHARGE_NOTE },
      });
      expect(activities.snapshots.get(`${accountId}-0001`)?.treatment).toBe('eu_consumer');
      expect(activities.corrections).toEqual([]);
    }, activities);
  });

  test('PAY-9: a correction on day 14 issues a credit note and a corrected invoice with the same amounts, and no second charge', async () => {
    await withAccount(async ({ handle, activities, accountId }) => {
      await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      await sleepInUse(env, handle, '14 days');
      const result = await handle.executeUpdate(correctBillingDetailsUpdate);
      expect(result.charged).toEqual([]);
      expect(activities.charges).toHaveLength(1);
      expect(activities.corrections).toEqual([
        expect.objectContaining({
          accountId,
          cancelledInvoiceId: `${accountId}-0001`,
          creditNoteId: `${accountId}-CN0001`,
          correctedInvoiceId: `${accountId}-0002`,
          idempotencyKey: `${accountId}-CN0001:correction`,
        }),
      ]);
      expect(activities.emails).toContainEqual(
        expect.objectContaining({ template: 'invoice_corrected', invoiceId: `${accountId}-0002` }),
      );
      // The renewal after a correction takes the next invoice id and is charged as usual.
      await sleepInUse(env, handle, '18 days');
      expect(activities.charges.map((charge) => charge.invoice.invoiceId)).toEqual([
        `${accountId}-0001`,
        `${accountId}-0003`,
      ]);
    });
  });

  test('PAY-9: a correction on day 16 is refused with BILLING_DETAILS_WINDOW_CLOSED; the next invoice is issued as usual', async () => {
    await withAccount(async ({ handle, activities, accountId }) => {
      await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      await sleepInUse(env, handle, '16 days');
      const refusal = await refusalOf(handle.executeUpdate(correctBillingDetailsUpdate));
      expect(refusal.type).toBe('BILLING_DETAILS_WINDOW_CLOSED');
      expect(refusal.message).toContain('PAY-9');
      expect(activities.corrections).toEqual([]);
      expect(activities.charges).toHaveLength(1);
      // The next invoice snapshots the details then on file (kept by the API, not the workflow).
      await sleepInUse(env, handle, '16 days');
      expect(activities.charges.map((charge) => charge.invoice.invoiceId)).toEqual([
        `${accountId}-0001`,
        `${accountId}-0002`,
      ]);
      expect([...activities.snapshots.keys()]).toEqual([`${accountId}-0001`, `${accountId}-0002`]);
    });
  });
});
