/**
 * The Stripe adapter: request shapes validated by stripe-mock (reached through a recording
 * double, so the test also sees exactly what was sent), and error classification against a
 * double that answers what the test says.
 */
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import Stripe from 'stripe';
import { freePaymentId } from '../../activities/payments';
import type { BillingActivities } from '../../activities/contract';
import { createAccount, createTestPool } from '../support/db';
import {
  forwardTo,
  startStripeDouble,
  stripeError,
  type StripeDouble,
  type StripeResponse,
} from './stripe-double';
import { activitiesFor, captureLogs, draftInvoice, stripeAt, stripeMockBase } from './support';

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

function activities(logger = captureLogs().logger): BillingActivities {
  return activitiesFor({ pool, stripe: stripeAt(double.base), logger });
}

/** The error a promise rejects with (the test fails if it resolves). */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the activity to fail, and it succeeded');
}

function expectNonRetryable(error: unknown, type: string): ApplicationFailure {
  expect(error).toBeInstanceOf(ApplicationFailure);
  const failure = error as ApplicationFailure;
  expect(failure.type).toBe(type);
  expect(failure.nonRetryable).toBe(true);
  return failure;
}

/** Temporal retries any error that is not a non-retryable ApplicationFailure. */
function expectRetryable(error: unknown, stripeType: string): void {
  expect(error).not.toBeInstanceOf(ApplicationFailure);
  expect(error).toBeInstanceOf(Stripe.errors.StripeError);
  expect((error as Stripe.errors.StripeError).type).toBe(stripeType);
}

function paymentIntent(status: string, extra: Record<string, unknown> = {}): StripeResponse {
  return {
    status: 200,
    body: {
      id: 'pi_double_1',
      object: 'payment_intent',
      amount: 3800,
      currency: 'usd',
      status,
      last_payment_error: null,
      ...extra,
    },
  };
}

describe('against stripe-mock', () => {
  test('PAY-8: attachPaymentMethod creates the customer with the account id only, attaches the card and makes it the default', async () => {
    const { accountId } = await createAccount(pool);
    const key = `${accountId}:payment-method:pm_card_visa`;

    const result = await activities().attachPaymentMethod({
      accountId,
      paymentMethodId: 'pm_card_visa',
      idempotencyKey: key,
    });

    expect(result.paymentMethodId).toBe('pm_card_visa');
    expect(result.customerId).toMatch(/^cus_/);
    const stored = await pool.query<{ customer_id: string }>(
      'SELECT customer_id FROM processor_customers WHERE account_id = $1',
      [accountId],
    );
    expect(stored.rows).toEqual([{ customer_id: result.customerId }]);

    const sent = double.requests.map((r) => ({
      method: r.method,
      path: r.path,
      idempotencyKey: r.idempotencyKey,
      params: r.params,
    }));
    expect(sent).toEqual([
      {
        method: 'POST',
        path: '/v1/customers',
        idempotencyKey: `${accountId}:customer`,
        params: { 'metadata[accountId]': accountId },
      },
      {
        method: 'POST',
        path: '/v1/payment_methods/pm_card_visa/attach',
        idempotencyKey: `${key}:attach`,
        params: { customer: result.customerId },
      },
      {
        method: 'POST',
        path: `/v1/customers/${result.customerId}`,
        idempotencyKey: `${key}:default`,
        params: { 'invoice_settings[default_payment_method]': 'pm_card_visa' },
      },
    ]);
  });

  test('LTD-8: a payment method of a type not allowed is rejected; card and PayPal are accepted', async () => {
    const { accountId } = await createAccount(pool);
    await expect(
      activities().attachPaymentMethod({
        accountId,
        paymentMethodId: 'pm_card_visa',
        idempotencyKey: `${accountId}:payment-method:pm_card_visa:paypal-only`,
        allowedTypes: ['paypal'],
      }),
    ).rejects.toMatchObject({ type: 'PAYMENT_METHOD_REJECTED', nonRetryable: true });
    const accepted = await activities().attachPaymentMethod({
      accountId,
      paymentMethodId: 'pm_card_visa',
      idempotencyKey: `${accountId}:payment-method:pm_card_visa`,
      allowedTypes: ['card', 'paypal'],
    });
    expect(accepted.paymentMethodId).toBe('pm_card_visa');
  });

  test('PAY-7: replacing the card reuses the stored customer', async () => {
    const { accountId } = await createAccount(pool);
    const first = await activities().attachPaymentMethod({
      accountId,
      paymentMethodId: 'pm_card_visa',
      idempotencyKey: `${accountId}:payment-method:pm_card_visa`,
    });
    double.requests.length = 0;

    const second = await activities().attachPaymentMethod({
      accountId,
      paymentMethodId: 'pm_card_mastercard',
      idempotencyKey: `${accountId}:payment-method:pm_card_mastercard`,
    });

    expect(second).toEqual({ customerId: first.customerId, paymentMethodId: 'pm_card_mastercard' });
    expect(double.requests.map((r) => r.path)).toEqual([
      '/v1/payment_methods/pm_card_mastercard/attach',
      `/v1/customers/${first.customerId}`,
    ]);
  });

  test('PAY-1d: the off-session payment intent request is valid for Stripe and carries the idempotency key', async () => {
    const invoice = draftInvoice('acct-shape', 'acct-shape-0001', { total: 3800 });

    // stripe-mock accepts the request and answers with a fixture whose status is not
    // "succeeded", which the adapter must report as a charge that did not complete.
    const error = await failureOf(
      activities().chargeInvoice({
        invoice,
        customerId: 'cus_shape',
        paymentMethodId: 'pm_card_visa',
        idempotencyKey: 'acct-shape-0001:charge:1',
      }),
    );

    const [request] = double.requests;
    expect(double.requests).toHaveLength(1);
    expect(request).toMatchObject({
      method: 'POST',
      path: '/v1/payment_intents',
      idempotencyKey: 'acct-shape-0001:charge:1',
    });
    expect(request.params).toEqual({
      amount: '3800',
      currency: 'usd',
      customer: 'cus_shape',
      payment_method: 'pm_card_visa',
      off_session: 'true',
      confirm: 'true',
      'automatic_payment_methods[enabled]': 'true',
      'automatic_payment_methods[allow_redirects]': 'never',
      'metadata[invoiceId]': 'acct-shape-0001',
      'metadata[accountId]': 'acct-shape',
    });
    const failure = expectNonRetryable(error, 'CARD_DECLINED');
    expect(failure.message).toMatch(/status "requires_payment_method"/);
  });

  test('PAY-1d: an invoice that costs nothing is not sent to Stripe', async () => {
    const invoice = draftInvoice('acct-free', 'acct-free-0001', { total: 0 });
    const result = await activities().chargeInvoice({
      invoice,
      customerId: 'cus_free',
      paymentMethodId: 'pm_card_visa',
      idempotencyKey: 'acct-free-0001:charge:1',
    });
    expect(result).toEqual({ paymentId: freePaymentId('acct-free-0001') });
    expect(result.paymentId).toBe('free:acct-free-0001');
    expect(double.requests).toHaveLength(0);
  });
});

describe('error classification (a Stripe double under the test’s control)', () => {
  const invoice = draftInvoice('acct-errors', 'acct-errors-0003', { total: 3800 });
  const charge = (logger = captureLogs().logger) =>
    activities(logger).chargeInvoice({
      invoice,
      customerId: 'cus_errors',
      paymentMethodId: 'pm_errors',
      idempotencyKey: 'acct-errors-0003:charge:2',
    });

  test('PAY-1d: a succeeded payment intent is the payment', async () => {
    double.respond(() => paymentIntent('succeeded', { id: 'pi_paid' }));
    await expect(charge()).resolves.toEqual({ paymentId: 'pi_paid' });
    expect(double.requests[0]).toMatchObject({
      path: '/v1/payment_intents',
      idempotencyKey: 'acct-errors-0003:charge:2',
      params: expect.objectContaining({ amount: '3800', currency: 'usd' }) as unknown,
    });
  });

  test('PAY-13: a card decline (402 card_error) is a non-retryable CARD_DECLINED without card data', async () => {
    double.respond(() =>
      stripeError(402, {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      }),
    );
    const logs = captureLogs();
    const failure = expectNonRetryable(await failureOf(charge(logs.logger)), 'CARD_DECLINED');
    expect(failure.message).toBe('Your card has insufficient funds. (insufficient_funds)');
    expect(failure.details).toEqual([
      expect.objectContaining({ code: 'card_declined', declineCode: 'insufficient_funds' }),
    ]);
    expect(logs.lines).toContainEqual(
      expect.objectContaining({ invoiceId: invoice.invoiceId, declineCode: 'insufficient_funds' }),
    );
  });

  test('PAY-13: a charge Stripe refuses as invalid (payment method gone) is a non-retryable CARD_DECLINED', async () => {
    double.respond(() =>
      stripeError(400, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'payment_method',
        message: "No such PaymentMethod: 'pm_errors'",
      }),
    );
    const failure = expectNonRetryable(await failureOf(charge()), 'CARD_DECLINED');
    expect(failure.message).toMatch(/refused the charge: No such PaymentMethod/);
  });

  test('a processor outage (500) is rethrown for Temporal to retry', async () => {
    double.respond(() => stripeError(500, { type: 'api_error', message: 'Something went wrong.' }));
    expectRetryable(await failureOf(charge()), 'StripeAPIError');
  });

  test('a rate limit (429) is rethrown for Temporal to retry', async () => {
    double.respond(() =>
      stripeError(429, {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: 'Too many requests.',
      }),
    );
    expectRetryable(await failureOf(charge()), 'StripeRateLimitError');
  });

  test('an unreachable processor is rethrown for Temporal to retry', async () => {
    const unreachable = activitiesFor({ pool, stripe: stripeAt(new URL('http://127.0.0.1:9')) });
    const error = await failureOf(
      unreachable.chargeInvoice({
        invoice,
        customerId: 'cus_errors',
        paymentMethodId: 'pm_errors',
        idempotencyKey: 'acct-errors-0003:charge:2',
      }),
    );
    expectRetryable(error, 'StripeConnectionError');
  });

  test('PAY-13: a charge that needs the cardholder (requires_action) is declined, saying why', async () => {
    double.respond(() => paymentIntent('requires_action'));
    const failure = expectNonRetryable(await failureOf(charge()), 'CARD_DECLINED');
    expect(failure.message).toMatch(/authenticate/);
  });

  test('a charge still processing is looked up again and retried until it settles', async () => {
    double.respond((request) =>
      request.method === 'GET' ? paymentIntent('succeeded') : paymentIntent('processing'),
    );
    await expect(charge()).resolves.toEqual({ paymentId: 'pi_double_1' });
    expect(double.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/payment_intents',
      'GET /v1/payment_intents/pi_double_1',
    ]);

    double.respond(() => paymentIntent('processing'));
    const error = await failureOf(charge());
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(false);
  });

  test('PAY-7: a payment method Stripe does not know (resource_missing) is a non-retryable PAYMENT_METHOD_REJECTED', async () => {
    const { accountId } = await createAccount(pool);
    double.respond((request) =>
      request.path === '/v1/customers'
        ? { status: 200, body: { id: `cus_${accountId}`, object: 'customer' } }
        : stripeError(400, {
            type: 'invalid_request_error',
            code: 'resource_missing',
            param: 'payment_method',
            message: "No such PaymentMethod: 'pm_gone'",
          }),
    );
    const failure = expectNonRetryable(
      await failureOf(
        activities().attachPaymentMethod({
          accountId,
          paymentMethodId: 'pm_gone',
          idempotencyKey: `${accountId}:payment-method:pm_gone`,
        }),
      ),
      'PAYMENT_METHOD_REJECTED',
    );
    expect(failure.message).toMatch(/No such PaymentMethod/);
  });

  test('PAY-7: a card refused when attached is a non-retryable PAYMENT_METHOD_REJECTED', async () => {
    const { accountId } = await createAccount(pool);
    double.respond((request) =>
      request.path === '/v1/customers'
        ? { status: 200, body: { id: `cus_${accountId}`, object: 'customer' } }
        : stripeError(402, {
            type: 'card_error',
            code: 'card_declined',
            decline_code: 'generic_decline',
            message: 'Your card was declined.',
          }),
    );
    expectNonRetryable(
      await failureOf(
        activities().attachPaymentMethod({
          accountId,
          paymentMethodId: 'pm_declines',
          idempotencyKey: `${accountId}:payment-method:pm_declines`,
        }),
      ),
      'PAYMENT_METHOD_REJECTED',
    );
  });

  test('an outage while attaching is retried, and the retry does not create a second customer', async () => {
    const { accountId } = await createAccount(pool);
    double.respond((request) =>
      request.path === '/v1/customers'
        ? { status: 200, body: { id: `cus_${accountId}`, object: 'customer' } }
        : stripeError(503, { type: 'api_error', message: 'Service unavailable.' }),
    );
    const input = {
      accountId,
      paymentMethodId: 'pm_card_visa',
      idempotencyKey: `${accountId}:payment-method:pm_card_visa`,
    };
    expectRetryable(await failureOf(activities().attachPaymentMethod(input)), 'StripeAPIError');

    double.respond(forwardTo(stripeMock));
    double.requests.length = 0;
    await expect(activities().attachPaymentMethod(input)).resolves.toEqual({
      customerId: `cus_${accountId}`,
      paymentMethodId: 'pm_card_visa',
    });
    expect(double.requests.map((r) => r.path)).not.toContain('/v1/customers');
  });
});
