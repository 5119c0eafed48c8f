/**
 * POST /v1/webhooks/stripe: signed by Stripe's own test helper, verified with Stripe's own
 * library; payment outcomes reach the account workflow as one signal per event id.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { containsCardNumber } from '../../api/card-data';
import {
  bearer,
  createHarness,
  PROBLEM_CONTENT_TYPE,
  signupBody,
  stripeEvent,
  stripeWebhook,
  WEBHOOK_SECRET,
  type Harness,
} from './support/harness';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => {
  h.gateway.paymentEvent.mockClear();
});

function paymentIntent(accountId: string | null, overrides: Record<string, unknown> = {}) {
  return {
    id: `pi_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    object: 'payment_intent',
    amount: 5700,
    currency: 'usd',
    receipt_email: 'ada.private@example.test',
    metadata: accountId === null ? {} : { accountId, invoiceId: `${accountId}-0001` },
    ...overrides,
  };
}

async function outcomeOf(eventId: string): Promise<string | undefined> {
  const rows = await h.pool.query<{ outcome: string }>(
    'SELECT outcome FROM stripe_events WHERE event_id = $1',
    [eventId],
  );
  return rows.rows[0]?.outcome;
}

describe('POST /v1/webhooks/stripe', () => {
  it('a validly signed payment_intent.succeeded is passed to the account once, as a signal', async () => {
    const accountId = `acct-${randomUUID()}`;
    const intent = paymentIntent(accountId);
    const eventId = `evt_${randomUUID().replace(/-/g, '')}`;
    const response = await h.app.inject(
      stripeWebhook(stripeEvent('payment_intent.succeeded', intent, eventId)),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: true, duplicate: false, outcome: 'signalled' });
    expect(h.gateway.paymentEvent).toHaveBeenCalledTimes(1);
    expect(h.gateway.paymentEvent).toHaveBeenCalledWith(accountId, {
      eventId,
      type: 'payment_succeeded',
      invoiceId: `${accountId}-0001`,
      paymentIntentId: intent.id,
      amount: 5700,
      currency: 'USD',
    });
    expect(await outcomeOf(eventId)).toBe('signalled');
    // The payload's personal data reaches neither the log nor the table.
    expect(h.logLines.join('\n')).not.toContain('ada.private@example.test');
  });

  it('a payment_intent.payment_failed becomes a payment_failed signal', async () => {
    const accountId = `acct-${randomUUID()}`;
    const response = await h.app.inject(
      stripeWebhook(stripeEvent('payment_intent.payment_failed', paymentIntent(accountId))),
    );
    expect(response.statusCode).toBe(200);
    expect(h.gateway.paymentEvent).toHaveBeenCalledTimes(1);
    expect(h.gateway.paymentEvent.mock.calls[0]?.[1]).toMatchObject({ type: 'payment_failed' });
  });

  it('a tampered body is refused as an invalid signature, and nothing is sent or stored', async () => {
    const eventId = `evt_${randomUUID().replace(/-/g, '')}`;
    const body = stripeEvent('payment_intent.succeeded', paymentIntent('acct-x'), eventId);
    const request = stripeWebhook(body);
    const response = await h.app.inject({
      ...request,
      payload: body.replace('"amount":5700', '"amount":1'),
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID' });
    expect(h.gateway.paymentEvent).not.toHaveBeenCalled();
    expect(await outcomeOf(eventId)).toBeUndefined();
  });

  it('a body signed with another secret, or no signature at all, is refused', async () => {
    const body = stripeEvent('payment_intent.succeeded', paymentIntent('acct-x'));
    const wrong = await h.app.inject(stripeWebhook(body, { secret: 'whsec_someone_else' }));
    expect(wrong.json()).toMatchObject({ status: 400, code: 'WEBHOOK_SIGNATURE_INVALID' });
    const unsigned = await h.app.inject({
      method: 'POST',
      url: '/v1/webhooks/stripe',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(unsigned.json()).toMatchObject({ status: 400, code: 'WEBHOOK_SIGNATURE_INVALID' });
    expect(h.gateway.paymentEvent).not.toHaveBeenCalled();
  });

  it('a correctly signed but stale delivery is refused as stale, not as a bad signature', async () => {
    const body = stripeEvent('payment_intent.succeeded', paymentIntent('acct-x'));
    const stale = Math.floor(Date.now() / 1000) - 301;
    const response = await h.app.inject(stripeWebhook(body, { timestamp: stale }));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'WEBHOOK_TIMESTAMP_STALE' });
    expect(h.gateway.paymentEvent).not.toHaveBeenCalled();

    const recent = await h.app.inject(
      stripeWebhook(body, { timestamp: Math.floor(Date.now() / 1000) - 200 }),
    );
    expect(recent.statusCode).toBe(200);
  });

  it('a redelivered event id is acknowledged and sends no second signal', async () => {
    const accountId = `acct-${randomUUID()}`;
    const body = stripeEvent('payment_intent.succeeded', paymentIntent(accountId));
    const first = await h.app.inject(stripeWebhook(body));
    const again = await h.app.inject(stripeWebhook(body));
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ received: true, duplicate: true });
    expect(h.gateway.paymentEvent).toHaveBeenCalledTimes(1);
  });

  it('an unknown event type is acknowledged and logged, and sends nothing', async () => {
    const eventId = `evt_${randomUUID().replace(/-/g, '')}`;
    const response = await h.app.inject(
      stripeWebhook(stripeEvent('charge.dispute.created', { id: 'dp_1' }, eventId)),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ outcome: 'ignored_unknown_type' });
    expect(h.gateway.paymentEvent).not.toHaveBeenCalled();
    expect(await outcomeOf(eventId)).toBe('ignored_unknown_type');
    expect(h.logLines.some((line) => line.includes(eventId))).toBe(true);
  });

  it('a payment event that names no account is acknowledged and recorded as ignored', async () => {
    const eventId = `evt_${randomUUID().replace(/-/g, '')}`;
    const response = await h.app.inject(
      stripeWebhook(stripeEvent('payment_intent.succeeded', paymentIntent(null), eventId)),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ outcome: 'ignored_no_account' });
    expect(h.gateway.paymentEvent).not.toHaveBeenCalled();
    expect(await outcomeOf(eventId)).toBe('ignored_no_account');
  });

  it('an account whose workflow is not running is acknowledged, not retried forever', async () => {
    h.gateway.paymentEvent.mockResolvedValueOnce(false);
    const eventId = `evt_${randomUUID().replace(/-/g, '')}`;
    const response = await h.app.inject(
      stripeWebhook(stripeEvent('payment_intent.succeeded', paymentIntent('acct-gone'), eventId)),
    );
    expect(response.statusCode).toBe(200);
    expect(await outcomeOf(eventId)).toBe('ignored_account_not_running');
  });

  it('when the signal cannot be sent the event is not recorded, so a redelivery tries again', async () => {
    h.gateway.paymentEvent.mockRejectedValueOnce(new Error('temporal is down'));
    const body = stripeEvent('payment_intent.succeeded', paymentIntent('acct-retry'));
    const failed = await h.app.inject(stripeWebhook(body));
    expect(failed.statusCode).toBe(500);
    const retried = await h.app.inject(stripeWebhook(body));
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ duplicate: false, outcome: 'signalled' });
    expect(h.gateway.paymentEvent).toHaveBeenCalledTimes(2);
  });

  it('a signature whose hex happens to look like a card number is still accepted', async () => {
    // About one signature in 250 looks like a card: try fresh events until one does
    // (5,000 tries miss with a probability near 2e-9).
    const timestamp = Math.floor(Date.now() / 1000);
    let body = '';
    let signature = '';
    for (let tries = 0; tries < 5_000 && !containsCardNumber(signature); tries += 1) {
      body = stripeEvent('payment_intent.succeeded', paymentIntent(`acct-${randomUUID()}`));
      signature = Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: WEBHOOK_SECRET,
        timestamp,
      });
    }
    expect(containsCardNumber(signature)).toBe(true);
    const response = await h.app.inject({
      method: 'POST',
      url: '/v1/webhooks/stripe',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      payload: body,
    });
    expect(response.statusCode).toBe(200);
    expect(h.gateway.paymentEvent).toHaveBeenCalledTimes(1);
  });

  it('other routes still parse JSON bodies as objects', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/v1/signups',
      headers: { 'content-type': 'application/json', ...bearer(h.keys.signup) },
      payload: JSON.stringify(signupBody()),
    });
    expect(response.statusCode).toBe(201);
  });
});
