/**
 * PAY-12 refunds through Stripe: request shapes validated by stripe-mock (reached through a
 * recording double), the `refunds` record with the fee retained, idempotency across retries, and
 * error classification against a double that answers what the test says.
 */
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import Stripe from 'stripe';
import type { CreditActivities } from '../../activities/credit-contract';
import { createRefundActivities } from '../../activities/refunds';
import { createStore } from '../../activities/store';
import { createAccount, createTestPool, uniqueId } from '../support/db';
import { forwardTo, startStripeDouble, stripeError, type StripeDouble } from './stripe-double';
import { captureLogs, draftInvoice, stripeAt, stripeMockBase } from './support';

let pool: pg.Pool;
let double: StripeDouble;
let stripeMock: URL;

beforeAll(async () => {
  stripeMock = stripeMockBase();
  pool = await createTestPool();
  double = await startStripeDouble(forwardTo(stripeMock));
});

afterAll(async () => {
  await double?.stop();
  await pool?.end();
});

beforeEach(() => {
  double.requests.length = 0;
  double.respond(forwardTo(stripeMock));
});

function activities(): CreditActivities {
  return createRefundActivities({
    stripe: stripeAt(double.base),
    pool,
    logger: captureLogs().logger,
  });
}

/** An account whose prepaid credit (84000 USD minor units) was bought and paid. */
async function creditBought(): Promise<{ accountId: string; creditId: string }> {
  const { accountId } = await createAccount(pool);
  const creditId = uniqueId('credit');
  await createStore(pool).recordPaidInvoice({
    invoice: draftInvoice(accountId, creditId, { total: 84000 }),
    processorPaymentId: 'pi_credit',
    idempotencyKey: `${creditId}:charge:1`,
    paidAt: Date.UTC(2026, 2, 14, 9, 30),
  });
  return { accountId, creditId };
}

function refundInput(accountId: string, creditId: string) {
  return {
    accountId,
    creditId,
    paymentId: 'pi_credit',
    amount: 30493,
    currency: 'USD' as const,
    feeRetained: 30493,
    remaining: 60986,
    idempotencyKey: `${creditId}:refund`,
    refundedAt: Date.UTC(2027, 4, 12, 9, 30),
  };
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the activity to fail, and it succeeded');
}

describe('refundPayment', () => {
  test('PAY-12: refunds the amount against the credit payment with the idempotency key, and records refund and fee retained', async () => {
    const { accountId, creditId } = await creditBought();
    const { refundId } = await activities().refundPayment(refundInput(accountId, creditId));

    const [request] = double.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/v1/refunds',
      idempotencyKey: `${creditId}:refund`,
    });
    expect(request.params).toMatchObject({
      payment_intent: 'pi_credit',
      amount: '30493',
      'metadata[creditId]': creditId,
      'metadata[clause]': 'PAY-12',
    });
    const rows = await pool.query(
      `SELECT refund_id, credit_id, processor_payment_id, remaining, amount, fee_retained,
              currency, clause, refunded_at
         FROM refunds WHERE account_id = $1`,
      [accountId],
    );
    expect(rows.rows).toEqual([
      {
        refund_id: refundId,
        credit_id: creditId,
        processor_payment_id: 'pi_credit',
        remaining: '60986',
        amount: '30493',
        fee_retained: '30493',
        currency: 'USD',
        clause: 'PAY-12',
        refunded_at: new Date(Date.UTC(2027, 4, 12, 9, 30)),
      },
    ]);
  });

  test('PAY-12: a retried refund is made once: the second attempt returns the first refund and calls nothing', async () => {
    const { accountId, creditId } = await creditBought();
    const first = await activities().refundPayment(refundInput(accountId, creditId));
    const second = await activities().refundPayment(refundInput(accountId, creditId));
    expect(second.refundId).toBe(first.refundId);
    expect(double.requests.filter((request) => request.path === '/v1/refunds')).toHaveLength(1);
    const count = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM refunds WHERE credit_id = $1',
      [creditId],
    );
    expect(count.rows[0].n).toBe('1');
  });

  test('PAY-12: an attempt that refunded at Stripe but failed before recording is replayed by its key and recorded once', async () => {
    const { accountId, creditId } = await creditBought();
    // Stripe answers the same refund for the same idempotency key, as it does in production.
    const answers = new Map<string, unknown>();
    double.respond(async (request) => {
      const key = request.idempotencyKey ?? '';
      if (!answers.has(key)) answers.set(key, (await forwardTo(stripeMock)(request)).body);
      return { status: 200, body: answers.get(key) };
    });
    const stripe = stripeAt(double.base);
    // The first attempt's refund reached Stripe; its process died before the insert.
    const lost = await stripe.refunds.create(
      { payment_intent: 'pi_credit', amount: 30493 },
      { idempotencyKey: `${creditId}:refund` },
    );
    const { refundId } = await activities().refundPayment(refundInput(accountId, creditId));
    expect(refundId).toBe(lost.id);
  });

  test('PAY-12: a refund Stripe refuses is REFUND_REJECTED and not retried; nothing is recorded', async () => {
    const { accountId, creditId } = await creditBought();
    double.respond(() =>
      stripeError(400, {
        type: 'invalid_request_error',
        code: 'charge_already_refunded',
        message: 'Charge has already been refunded.',
      }),
    );
    const error = await failureOf(activities().refundPayment(refundInput(accountId, creditId)));
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).type).toBe('REFUND_REJECTED');
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    const rows = await pool.query('SELECT 1 FROM refunds WHERE credit_id = $1', [creditId]);
    expect(rows.rowCount).toBe(0);
  });

  test('PAY-12: a Stripe outage is left for Temporal to retry', async () => {
    const { accountId, creditId } = await creditBought();
    double.respond(() => stripeError(500, { type: 'api_error', message: 'Something went wrong.' }));
    const error = await failureOf(activities().refundPayment(refundInput(accountId, creditId)));
    expect(error).not.toBeInstanceOf(ApplicationFailure);
    expect(error).toBeInstanceOf(Stripe.errors.StripeError);
  });
});
