import { randomUUID } from 'node:crypto';
import { ApplicationFailure, ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { refusalTypes } from '../../workflows/messages';
import { accountView, notFound, refusal } from './support/fake-gateway';
import {
  bearer,
  createHarness,
  PROBLEM_CONTENT_TYPE,
  signUp,
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

function attach(body: unknown, headers: Record<string, string> = {}, accountId = owner.accountId) {
  return h.app.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/payment-method`,
    headers: { ...bearer(owner.ownerKey), ...headers },
    payload: body as Record<string, unknown>,
  });
}

function stop(headers: Record<string, string> = {}) {
  return h.app.inject({
    method: 'POST',
    url: `/v1/accounts/${owner.accountId}/stop`,
    headers: { ...bearer(owner.ownerKey), ...headers },
  });
}

function expectProblem(
  response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown },
  status: number,
  code: string,
): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
  expect(response.json()).toMatchObject({
    status,
    code,
    type: expect.stringMatching(/^urn:/) as unknown,
  });
}

describe('POST /v1/accounts/:accountId/payment-method', () => {
  it('PAY-1c: attaching a card during the trial answers with the account and what was charged', async () => {
    const response = await attach({ paymentMethodId: 'pm_card_visa' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      account: expect.objectContaining({
        accountId: owner.accountId,
        status: 'active',
        hasPaymentMethod: true,
      }) as unknown,
      charged: [
        { invoiceId: `${owner.accountId}-0001`, amount: { amount: 5700, currency: 'USD' } },
      ],
    });
    expect(h.gateway.attachPaymentMethod).toHaveBeenCalledTimes(1);
    const [accountId, input, requestKey] = h.gateway.attachPaymentMethod.mock.calls[0];
    expect(accountId).toBe(owner.accountId);
    expect(input).toEqual({ paymentMethodId: 'pm_card_visa' });
    expect(requestKey).toMatch(/^owner\.attachPaymentMethod:/);
  });

  it('PAY-7: replacing the card of an active account charges nothing and says so', async () => {
    h.gateway.attachPaymentMethod.mockResolvedValueOnce({
      account: accountView(owner.accountId, { status: 'active', hasPaymentMethod: true }),
      charged: [],
    });
    const response = await attach({ paymentMethodId: 'pm_card_mastercard' });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ charged: unknown[] }>().charged).toEqual([]);
  });

  const refusals: [string, number, string | undefined][] = [
    ['CARD_DECLINED', 402, undefined],
    ['PAYMENT_METHOD_REJECTED', 422, undefined],
    ['ACCOUNT_CLOSED', 409, 'CAN-2'],
    ['CHARGE_IN_PROGRESS', 409, undefined],
  ];
  it.each(refusals)('the workflow refusing with %s answers %i', async (type, status, clause) => {
    h.gateway.attachPaymentMethod.mockRejectedValueOnce(
      refusal(type as (typeof refusalTypes)[number], `Refused by the workflow: ${type}.`),
    );
    const response = await attach({ paymentMethodId: 'pm_card_visa' });
    expectProblem(response, status, type);
    const body = response.json<{ detail: string; clause?: string }>();
    expect(body.detail).toBe(`Refused by the workflow: ${type}.`);
    expect(body.clause).toBe(clause);
  });

  it('every refusal type of the workflow has a mapping (none falls through to 500)', async () => {
    for (const type of refusalTypes) {
      h.gateway.attachPaymentMethod.mockRejectedValueOnce(refusal(type));
      const response = await attach({ paymentMethodId: 'pm_card_visa' });
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      expect(response.json()).toMatchObject({ code: type });
    }
  });

  it('PAY-1c: the clause the workflow names in its message reaches the problem', async () => {
    h.gateway.attachPaymentMethod.mockRejectedValueOnce(
      refusal('CARD_DECLINED', 'The first period could not be charged (PAY-1c)'),
    );
    const response = await attach({ paymentMethodId: 'pm_card_chargeDeclined' });
    expect(response.json()).toMatchObject({ code: 'CARD_DECLINED', clause: 'PAY-1c' });
  });

  it('an unknown account answers 404 ACCOUNT_NOT_FOUND', async () => {
    const other = `acc_${'0'.repeat(24)}`;
    h.gateway.attachPaymentMethod.mockRejectedValueOnce(notFound(other));
    const response = await attach({ paymentMethodId: 'pm_card_visa' });
    expectProblem(response, 404, 'ACCOUNT_NOT_FOUND');
  });

  it('a failure that is not a refusal is a 500 whose details stay in the log', async () => {
    h.gateway.attachPaymentMethod.mockRejectedValueOnce(
      new WorkflowUpdateFailedError(
        'Workflow Update failed',
        ApplicationFailure.create({ type: 'SOMETHING_ELSE', message: 'secret internals' }),
      ),
    );
    const response = await attach({ paymentMethodId: 'pm_card_visa' });
    expectProblem(response, 500, 'INTERNAL');
    expect(response.body).not.toContain('secret internals');
    expect(response.body).not.toContain('SOMETHING_ELSE');
    const logged = h.logLines.filter((line) => line.includes('"request failed"'));
    expect(logged.some((line) => line.includes('Workflow Update failed'))).toBe(true);
  });

  it('Temporal being unreachable answers 503 TEMPORARILY_UNAVAILABLE', async () => {
    const grpc = Object.assign(new Error('14 UNAVAILABLE: connection refused'), {
      code: 14,
      details: 'connection refused',
      metadata: {},
    });
    h.gateway.attachPaymentMethod.mockRejectedValueOnce(
      new ServiceError('Workflow Update failed', { cause: grpc }),
    );
    const response = await attach({ paymentMethodId: 'pm_card_visa' });
    expectProblem(response, 503, 'TEMPORARILY_UNAVAILABLE');
  });

  const invalid: [string, unknown][] = [
    ['no body', undefined],
    ['an empty object', {}],
    ['a payment method id without the pm_ prefix', { paymentMethodId: 'card_123' }],
    ['a payment method id with spaces', { paymentMethodId: 'pm_ 123' }],
    ['a number', { paymentMethodId: 42 }],
    ['an unknown property', { paymentMethodId: 'pm_card_visa', cvc: 'abc' }],
  ];
  it.each(invalid)('%s is refused with 400 VALIDATION_FAILED', async (_name, body) => {
    const response = await attach(body);
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(h.gateway.attachPaymentMethod).not.toHaveBeenCalled();
  });

  it('an owner naming another account id, even a malformed one, is refused with 403', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/v1/accounts/not-an-account/payment-method',
      headers: bearer(h.configOwnerKey),
      payload: { paymentMethodId: 'pm_card_visa' },
    });
    expectProblem(response, 403, 'FORBIDDEN');
  });

  describe('Idempotency-Key', () => {
    it('a retried request never acts twice: the first answer is replayed', async () => {
      const key = randomUUID();
      const first = await attach({ paymentMethodId: 'pm_card_visa' }, { 'idempotency-key': key });
      const second = await attach({ paymentMethodId: 'pm_card_visa' }, { 'idempotency-key': key });

      expect(first.statusCode).toBe(200);
      expect(second.statusCode).toBe(200);
      expect(second.body).toBe(first.body);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(h.gateway.attachPaymentMethod).toHaveBeenCalledTimes(1);
    });

    it('the key becomes the update id, so even concurrent retries are one update', async () => {
      const key = randomUUID();
      await Promise.all([
        attach({ paymentMethodId: 'pm_card_visa' }, { 'idempotency-key': key }),
        attach({ paymentMethodId: 'pm_card_visa' }, { 'idempotency-key': key }),
      ]);
      const ids = h.gateway.attachPaymentMethod.mock.calls.map(([, , id]) => id);
      expect(ids.length).toBeGreaterThanOrEqual(1);
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).not.toContain(key);
    });

    it('without a key every request is its own update', async () => {
      await attach({ paymentMethodId: 'pm_card_visa' });
      await attach({ paymentMethodId: 'pm_card_visa' });
      const ids = h.gateway.attachPaymentMethod.mock.calls.map(([, , id]) => id);
      expect(new Set(ids).size).toBe(2);
    });

    it('the same key with a different body is refused with 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const key = randomUUID();
      await attach({ paymentMethodId: 'pm_card_visa' }, { 'idempotency-key': key });
      const response = await attach({ paymentMethodId: 'pm_other' }, { 'idempotency-key': key });
      expectProblem(response, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(h.gateway.attachPaymentMethod).toHaveBeenCalledTimes(1);
    });

    it('the same key on another route is refused with 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const key = randomUUID();
      await attach({ paymentMethodId: 'pm_card_visa' }, { 'idempotency-key': key });
      const response = await stop({ 'idempotency-key': key });
      expectProblem(response, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(h.gateway.stopAccount).not.toHaveBeenCalled();
    });

    it('a refusal is replayed as well: the declined card is not tried again', async () => {
      const key = randomUUID();
      h.gateway.attachPaymentMethod.mockRejectedValueOnce(refusal('CARD_DECLINED'));
      const first = await attach({ paymentMethodId: 'pm_card_visa' }, { 'idempotency-key': key });
      const second = await attach({ paymentMethodId: 'pm_card_visa' }, { 'idempotency-key': key });
      expectProblem(first, 402, 'CARD_DECLINED');
      expectProblem(second, 402, 'CARD_DECLINED');
      expect(h.gateway.attachPaymentMethod).toHaveBeenCalledTimes(1);
    });

    it('after a 5xx the retry goes through again, with the same update id', async () => {
      const key = randomUUID();
      h.gateway.attachPaymentMethod.mockRejectedValueOnce(new Error('boom'));
      const first = await attach({ paymentMethodId: 'pm_card_visa' }, { 'idempotency-key': key });
      const second = await attach({ paymentMethodId: 'pm_card_visa' }, { 'idempotency-key': key });
      expect(first.statusCode).toBe(500);
      expect(second.statusCode).toBe(200);
      const ids = h.gateway.attachPaymentMethod.mock.calls.map(([, , id]) => id);
      expect(ids).toHaveLength(2);
      expect(ids[0]).toBe(ids[1]);
    });

    it('keys are per caller: another account may use the same key', async () => {
      const other = await signUp(h);
      const key = randomUUID();
      await attach({ paymentMethodId: 'pm_card_visa' }, { 'idempotency-key': key });
      const response = await h.app.inject({
        method: 'POST',
        url: `/v1/accounts/${other.accountId}/payment-method`,
        headers: { ...bearer(other.ownerKey), 'idempotency-key': key },
        payload: { paymentMethodId: 'pm_card_visa' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['idempotent-replayed']).toBeUndefined();
      expect(h.gateway.attachPaymentMethod).toHaveBeenCalledTimes(2);
    });
  });
});

describe('POST /v1/accounts/:accountId/stop', () => {
  it('CAN-2: stops the account at once and answers with the cancelled account', async () => {
    const response = await stop();
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      account: { accountId: owner.accountId, status: 'cancelled', nextDeadline: null },
      charged: [],
    });
    expect(h.gateway.stopAccount).toHaveBeenCalledWith(
      owner.accountId,
      expect.stringMatching(/^owner\.stop:/),
    );
  });

  it('CAN-2: an account whose workflow has ended is refused with 409 ACCOUNT_CLOSED', async () => {
    h.gateway.stopAccount.mockRejectedValueOnce(refusal('ACCOUNT_CLOSED'));
    expectProblem(await stop(), 409, 'ACCOUNT_CLOSED');
  });

  it('CAN-2: a retried stop with the same Idempotency-Key is one stop', async () => {
    const key = randomUUID();
    await stop({ 'idempotency-key': key });
    const again = await stop({ 'idempotency-key': key });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(h.gateway.stopAccount).toHaveBeenCalledTimes(1);
  });

  it('an unknown account answers 404', async () => {
    h.gateway.stopAccount.mockRejectedValueOnce(notFound(owner.accountId));
    expectProblem(await stop(), 404, 'ACCOUNT_NOT_FOUND');
  });

  it('a body is ignored unless it holds card data', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: `/v1/accounts/${owner.accountId}/stop`,
      headers: bearer(owner.ownerKey),
      payload: { reason: 'too expensive' },
    });
    expect(response.statusCode).toBe(200);
  });
});

describe('GET /v1/accounts/:accountId', () => {
  it('answers with the account as the workflow sees it', async () => {
    const response = await h.app.inject({
      url: `/v1/accounts/${owner.accountId}`,
      headers: bearer(owner.ownerKey),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(accountView(owner.accountId));
    expect(h.gateway.state).toHaveBeenCalledWith(owner.accountId);
  });

  it('an owner key from configuration works for its one account', async () => {
    const response = await h.app.inject({
      url: `/v1/accounts/${h.configOwnerAccountId}`,
      headers: bearer(h.configOwnerKey),
    });
    expect(response.statusCode).toBe(200);
  });

  it('an unknown account answers 404', async () => {
    h.gateway.state.mockRejectedValueOnce(notFound(owner.accountId));
    const response = await h.app.inject({
      url: `/v1/accounts/${owner.accountId}`,
      headers: bearer(owner.ownerKey),
    });
    expectProblem(response, 404, 'ACCOUNT_NOT_FOUND');
  });

  it('a state the schema does not know is a 500, never a silently wrong answer', async () => {
    h.gateway.state.mockResolvedValueOnce({
      ...accountView(owner.accountId),
      status: 'frozen' as 'active',
    });
    const response = await h.app.inject({
      url: `/v1/accounts/${owner.accountId}`,
      headers: bearer(owner.ownerKey),
    });
    expect(response.statusCode).toBe(500);
  });
});
