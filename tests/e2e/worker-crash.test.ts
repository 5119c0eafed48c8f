/**
 * Exactly-once money when a worker dies (PAY-1d, PAY-7; architecture principle 3).
 *
 * The worker runs in its own process as `worker/main.ts` runs it (real activities; see
 * ./support/worker-process.ts for its one difference) against real Postgres, an
 * SMTP sink and a Stripe endpoint this test controls: the Stripe sandbox (stripe-mock plus
 * Stripe's idempotent replay) behind a double that lets the renewal charge through to the
 * processor, so that the charge is made, and then holds the answer back. While the answer is
 * held the worker is killed with SIGKILL: no graceful shutdown, no activity completion. A new
 * worker process picks the activity up after its start-to-close timeout (1 minute, the
 * production setting) and retries it with the same idempotency key; the processor replays its
 * first answer, as Stripe does.
 *
 * The time-skipping server skips the month to the renewal; the retry after the kill waits the
 * real minute of the activity's timeout, because the server does not skip time while the
 * activity is outstanding.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type pg from 'pg';
import { accountWorkflowId } from '../../workflows/ids';
import {
  accountStateQuery,
  attachPaymentMethodUpdate,
  reportActivitySignal,
} from '../../workflows/messages';
import { formatPayloadKeys } from '../../infra/payload-codec';
import { startSmtpSink, type SmtpSink } from '../../infra/smtp-sink';
import { startStripeSandbox, type StripeSandbox } from '../../infra/stripe-sandbox';
import { forwardTo, startStripeDouble, type StripeDouble } from '../activities/stripe-double';
import { createAccount, createTestPool } from '../support/db';
import { databaseUrl, stripeApiBase } from '../support/env';
import { testPayloadKeys } from '../support/temporal';
import { startTimeSkipping } from '../workflows/environment';

const root = path.join(__dirname, '..', '..');
const taskQueue = `worker-crash-${process.pid}`;

let env: TestWorkflowEnvironment;
let pool: pg.Pool;
let sink: SmtpSink;
let sandbox: StripeSandbox;
let double: StripeDouble;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  env = await startTimeSkipping();
  pool = await createTestPool(5);
  sink = await startSmtpSink({ log: () => undefined });
  sandbox = await startStripeSandbox(stripeApiBase());
  double = await startStripeDouble(forwardTo(new URL(sandbox.url)));
}, 300_000);

afterAll(async () => {
  for (const worker of workers) {
    if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  }
  await double?.stop();
  await sandbox?.stop();
  await sink?.stop();
  await pool?.end();
  await env?.teardown();
});

/** Starts the worker in its own process (./support/worker-process.ts); resolves once it polls. */
async function startWorker(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'tests/e2e/support/worker-process.ts'],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: databaseUrl(),
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_TASK_QUEUE: taskQueue,
        STRIPE_API_BASE: double.base.toString(),
        STRIPE_API_KEY: 'sk_test_123',
        SMTP_URL: sink.url,
        LOG_LEVEL: 'info',
        // The keys env.client encrypts with: the worker process must read what it writes.
        PAYLOAD_KEYS: formatPayloadKeys(testPayloadKeys()),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  workers.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start in 120 s:\n${output.slice(-4000)}`)),
      120_000,
    );
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('worker polling')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`worker exited (${code ?? signal}) before polling:\n${output.slice(-4000)}`),
      );
    });
  });
  return child;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const isCharge = (request: { method: string; path: string; params: Record<string, string> }) =>
  request.method === 'POST' &&
  request.path === '/v1/payment_intents' &&
  request.params.confirm === 'true';

test('PAY-1d/PAY-7: a worker killed with SIGKILL mid-renewal charge is replaced; the retry with the same key makes exactly one charge, one invoice, one payment and one receipt', async () => {
  const { accountId } = await createAccount(pool, { language: 'en' });
  let worker = await startWorker();
  const handle = await env.client.workflow.start('accountWorkflow', {
    taskQueue,
    workflowId: accountWorkflowId(accountId),
    args: [
      {
        accountId,
        plan: {
          planId: 'team',
          name: 'Team',
          currency: 'USD',
          seatPrice: { monthly: 1900, annual: 18000 },
          trialDays: 14,
          minSeats: 1,
          maxSeats: 50,
        },
        seats: 2,
        cycle: 'monthly',
      },
    ],
  });

  // The first period is paid normally (PAY-1c), through the real worker and activities.
  const paid = await handle.executeUpdate(attachPaymentMethodUpdate, {
    args: [{ paymentMethodId: 'pm_card_visa' }],
  });
  expect(paid.charged).toHaveLength(1);
  const renewalAt = Date.parse(paid.account.currentPeriod!.end);
  const renewalInvoice = `${accountId}-0002`;

  // From now on the first renewal charge reaches the processor, which makes it, but its answer
  // is held back until the worker that asked for it is dead.
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let heldKey: string | null = null;
  let arrived: () => void = () => undefined;
  const chargeArrived = new Promise<void>((resolve) => (arrived = resolve));
  const forward = forwardTo(new URL(sandbox.url));
  double.respond(async (request) => {
    const answer = await forward(request);
    if (isCharge(request) && request.params['metadata[invoiceId]'] === renewalInvoice) {
      if (heldKey === null) {
        heldKey = request.idempotencyKey;
        arrived();
        await released;
      }
    }
    return answer;
  });

  // Skip to just before the renewal, keeping the account in use (INACT-1), then let it come.
  for (let at = await env.currentTimeMs(); at < renewalAt - 60_000;) {
    await handle.signal(reportActivitySignal);
    await env.sleep(Math.min(7 * 86_400_000, renewalAt - 60_000 - at));
    at = await env.currentTimeMs();
  }
  await env.sleep(renewalAt - (await env.currentTimeMs()) + 1_000);
  await chargeArrived;
  expect(sandbox.charges().filter((charge) => charge.idempotencyKey === heldKey)).toHaveLength(1);

  // The worker dies with the charge made and its answer unread.
  await killed(worker);
  expect(worker.signalCode).toBe('SIGKILL');
  release();

  worker = await startWorker();
  const receiptsTo = () =>
    sink
      .messages()
      .filter(
        (mail) => mail.subject.startsWith('Receipt for invoice') && mail.to.includes(accountId),
      );
  const deadline = Date.now() + 240_000;
  while (receiptsTo().length < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // A little longer, so that a duplicate receipt would have time to arrive too.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const view = await handle.query(accountStateQuery);
  expect(view.status).toBe('active');
  expect(Date.parse(view.currentPeriod!.start)).toBe(renewalAt);

  // The processor saw the renewal's key more than once and charged once.
  const renewalRequests = double.requests.filter(
    (request) => isCharge(request) && request.params['metadata[invoiceId]'] === renewalInvoice,
  );
  expect(renewalRequests.length).toBeGreaterThanOrEqual(2);
  expect(new Set(renewalRequests.map((request) => request.idempotencyKey))).toEqual(
    new Set([`${renewalInvoice}:charge:1`]),
  );
  expect(heldKey).toBe(`${renewalInvoice}:charge:1`);
  const accountCharges = sandbox
    .charges()
    .filter((charge) => charge.metadata.accountId === accountId);
  expect(accountCharges.map((charge) => charge.metadata.invoiceId)).toEqual([
    `${accountId}-0001`,
    renewalInvoice,
  ]);

  // Postgres: one invoice and one payment for the renewal, paid by that one charge.
  const invoices = await pool.query<{ invoice_id: string }>(
    'SELECT invoice_id FROM invoices WHERE account_id = $1 ORDER BY invoice_id',
    [accountId],
  );
  expect(invoices.rows.map((row) => row.invoice_id)).toEqual([`${accountId}-0001`, renewalInvoice]);
  const payments = await pool.query<{ invoice_id: string; idempotency_key: string }>(
    `SELECT p.invoice_id, p.idempotency_key FROM payments p
       JOIN invoices i USING (invoice_id) WHERE i.account_id = $1 ORDER BY p.invoice_id`,
    [accountId],
  );
  expect(payments.rows).toEqual([
    { invoice_id: `${accountId}-0001`, idempotency_key: `${accountId}-0001:charge:1` },
    { invoice_id: renewalInvoice, idempotency_key: `${renewalInvoice}:charge:1` },
  ]);

  // SMTP: one receipt per invoice; none for the renewal twice.
  const numbers = await pool.query<{ number: string }>(
    'SELECT number FROM invoices WHERE account_id = $1 ORDER BY invoice_id',
    [accountId],
  );
  expect(receiptsTo().map((mail) => mail.subject)).toEqual(
    numbers.rows.map((row) => `Receipt for invoice ${row.number}`),
  );

  await handle.terminate('test finished');
  await killed(worker);
}, 420_000);
