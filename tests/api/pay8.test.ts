import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { accountIdForSignup } from '../../api/routes/signup';
import {
  bearer,
  createHarness,
  PROBLEM_CONTENT_TYPE,
  signUp,
  signupBody,
  type Harness,
  type SignedUp,
} from './support/harness';

let h: Harness;
let owner: SignedUp;

beforeAll(async () => {
  h = await createHarness();
  owner = await signUp(h);
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => {
  jest.clearAllMocks();
});

const CARD = '4111111111111111';
const forms = ['4111111111111111', '4111 1111 1111 1111', '4111-1111-1111-1111'];

/** The card's digits must appear in no log line, in any of its written forms. */
function expectNotLogged(): void {
  const logs = h.logLines.join('\n');
  for (const form of [...forms, CARD.slice(0, 12), '4111 1111', '4111-1111']) {
    expect(logs).not.toContain(form);
  }
}

function expectRefused(response: {
  statusCode: number;
  headers: Record<string, unknown>;
  json: () => unknown;
  body: string;
}): void {
  expect(response.statusCode).toBe(400);
  expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
  expect(response.json()).toMatchObject({
    code: 'CARD_DATA_REFUSED',
    clause: 'PAY-8',
    status: 400,
  });
  for (const form of forms) expect(response.body).not.toContain(form);
}

describe('PAY-8: requests carrying card numbers are refused before anything logs or stores them', () => {
  it.each(forms)(
    'PAY-8: a card (%s) in a signup field: no row, no workflow, no log line',
    async (card) => {
      const body = signupBody({ fullName: `Ada ${card}` });
      const response = await h.app.inject({
        method: 'POST',
        url: '/v1/signups',
        headers: bearer(h.keys.signup),
        payload: body,
      });
      expectRefused(response);
      const rows = await h.pool.query('SELECT 1 FROM accounts WHERE account_id = $1', [
        accountIdForSignup(body.signupId as string),
      ]);
      expect(rows.rowCount).toBe(0);
      expect(h.gateway.calls()).toEqual([]);
      expectNotLogged();
    },
  );

  it('PAY-8: a card instead of a payment method token is refused, and the workflow never hears of it', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: `/v1/accounts/${owner.accountId}/payment-method`,
      headers: bearer(owner.ownerKey),
      payload: { paymentMethodId: `pm_${CARD}` },
    });
    expectRefused(response);
    expect(h.gateway.attachPaymentMethod).not.toHaveBeenCalled();
    expectNotLogged();
  });

  const elsewhere: [string, () => InjectOptions][] = [
    [
      'an unknown body field',
      () => ({
        method: 'POST',
        url: `/v1/accounts/${owner.accountId}/payment-method`,
        headers: bearer(owner.ownerKey),
        payload: { paymentMethodId: 'pm_card_visa', card: { number: '4111 1111 1111 1111' } },
      }),
    ],
    [
      'a body key',
      () => ({
        method: 'POST',
        url: `/v1/accounts/${owner.accountId}/stop`,
        headers: bearer(owner.ownerKey),
        payload: { '4111-1111-1111-1111': 'cvc 123' },
      }),
    ],
    [
      'a number in the body',
      () => ({
        method: 'POST',
        url: '/v1/signups',
        headers: bearer(h.keys.signup),
        payload: signupBody({ seats: Number(CARD) }),
      }),
    ],
    [
      'a text/plain body',
      () => ({
        method: 'POST',
        url: `/v1/accounts/${owner.accountId}/stop`,
        headers: { ...bearer(owner.ownerKey), 'content-type': 'text/plain' },
        payload: `card ${CARD}`,
      }),
    ],
    [
      'the query string',
      () => ({ url: `/v1/ops/accounts?cursor=${CARD}`, headers: bearer(h.keys.ops) }),
    ],
    [
      'an encoded query string',
      () => ({
        url: `/v1/ops/accounts?note=4111%201111%201111%201111`,
        headers: bearer(h.keys.ops),
      }),
    ],
    ['the path', () => ({ url: `/v1/accounts/${CARD}`, headers: bearer(owner.ownerKey) })],
    ['an unknown path', () => ({ url: `/v1/cards/4111-1111-1111-1111` })],
    [
      'a header',
      () => ({
        url: `/v1/accounts/${owner.accountId}`,
        headers: { ...bearer(owner.ownerKey), 'x-note': `card 4111 1111 1111 1111` },
      }),
    ],
    [
      'the Idempotency-Key',
      () => ({
        method: 'POST',
        url: `/v1/accounts/${owner.accountId}/stop`,
        headers: { ...bearer(owner.ownerKey), 'idempotency-key': CARD },
      }),
    ],
    [
      'an unauthenticated request',
      () => ({ url: `/v1/support/accounts/${owner.accountId}?q=${CARD}` }),
    ],
  ];
  it.each(elsewhere)(
    'PAY-8: a card in %s is refused with 400 CARD_DATA_REFUSED',
    async (_where, request) => {
      const response = await h.app.inject(request());
      expectRefused(response);
      expect(h.gateway.calls()).toEqual([]);
      expectNotLogged();
    },
  );

  it('PAY-8: a card as the request id is not used as the request id', async () => {
    const response = await h.app.inject({
      url: '/health',
      headers: { 'x-request-id': CARD },
    });
    expectRefused(response);
    expect(response.headers['x-request-id']).not.toBe(CARD);
    expectNotLogged();
  });

  it('PAY-8: no Idempotency-Key record is stored for a refused request', async () => {
    const key = randomUUID();
    await h.app.inject({
      method: 'POST',
      url: `/v1/accounts/${owner.accountId}/payment-method`,
      headers: { ...bearer(owner.ownerKey), 'idempotency-key': key },
      payload: { paymentMethodId: 'pm_x', pan: CARD },
    });
    const stored = await h.pool.query(
      'SELECT 1 FROM api_idempotency_keys WHERE idempotency_key = $1',
      [key],
    );
    expect(stored.rowCount).toBe(0);
  });

  it('the API key itself is not scanned (keys are random and may hold digits)', async () => {
    const response = await h.app.inject({
      url: `/v1/accounts/${owner.accountId}`,
      headers: bearer(owner.ownerKey),
    });
    expect(response.statusCode).toBe(200);
  });

  it('a Luhn-invalid long number is not a card: the request goes on to normal validation', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: `/v1/accounts/${owner.accountId}/payment-method`,
      headers: bearer(owner.ownerKey),
      payload: { paymentMethodId: 'pm_4111111111111112' },
    });
    expect(response.statusCode).toBe(200);
  });
});
