import { randomUUID } from 'node:crypto';
import type { RefusalType } from '../../workflows/messages';
import { notFound, refusal } from './support/fake-gateway';
import {
  bearer,
  createHarness,
  PROBLEM_CONTENT_TYPE,
  signUp,
  type Harness,
  type SignedUp,
} from './support/harness';

let h: Harness;
let account: SignedUp;

beforeAll(async () => {
  h = await createHarness();
  account = await signUp(h);
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => {
  jest.clearAllMocks();
});

const addCredit = (
  payload: unknown,
  options: { key?: string; headers?: Record<string, string>; accountId?: string } = {},
) =>
  h.app.inject({
    method: 'POST',
    url: `/v1/support/accounts/${options.accountId ?? account.accountId}/prepaid-credit`,
    headers: { ...bearer(options.key ?? h.keys.support), ...options.headers },
    payload: payload as Record<string, unknown>,
  });

describe('POST /v1/support/accounts/:accountId/prepaid-credit', () => {
  it('PAY-11: support adds a credit: 201 with the credit, what was charged and the account', async () => {
    const response = await addCredit({ amount: 90000, currency: 'USD' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      accountId: account.accountId,
      creditId: `${account.accountId}-0002`,
      charged: [
        {
          invoiceId: `${account.accountId}-0002`,
          amount: { amount: 90000, currency: 'USD' },
        },
      ],
      account: {
        prepaidCredit: {
          amount: { amount: 90000, currency: 'USD' },
          projectedEndAt: '2028-11-22T10:00:00.000Z',
          refundRatioBasisPoints: 5000,
        },
      },
    });
    expect(h.gateway.addPrepaidCredit).toHaveBeenCalledWith(
      account.accountId,
      { amount: 90000, currency: 'USD' },
      expect.stringMatching(/^support\.addPrepaidCredit:/),
    );
  });

  it('PAY-12: the refund ratio agreed with the customer is passed on', async () => {
    const response = await addCredit(
      { amount: 90000, currency: 'USD', refundRatioBasisPoints: 2500 },
      { key: h.keys.ops },
    );
    expect(response.statusCode).toBe(201);
    expect(h.gateway.addPrepaidCredit).toHaveBeenCalledWith(
      account.accountId,
      { amount: 90000, currency: 'USD', refundRatioBasisPoints: 2500 },
      expect.any(String),
    );
  });

  it('PAY-11: a retried request with the same Idempotency-Key adds one credit', async () => {
    const key = randomUUID();
    const first = await addCredit(
      { amount: 90000, currency: 'USD' },
      { headers: { 'idempotency-key': key } },
    );
    const second = await addCredit(
      { amount: 90000, currency: 'USD' },
      { headers: { 'idempotency-key': key } },
    );
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toBe(first.body);
    expect(h.gateway.addPrepaidCredit).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['a zero amount', { amount: 0, currency: 'USD' }],
    ['a fractional amount', { amount: 12.5, currency: 'USD' }],
    ['an amount as a string', { amount: '90000', currency: 'USD' }],
    ['an amount over the limit', { amount: 100_000_001, currency: 'USD' }],
    ['an unknown currency', { amount: 90000, currency: 'GBP' }],
    ['no currency', { amount: 90000 }],
    [
      'a refund ratio above 10000',
      { amount: 90000, currency: 'USD', refundRatioBasisPoints: 10001 },
    ],
    ['a negative refund ratio', { amount: 90000, currency: 'USD', refundRatioBasisPoints: -1 }],
    ['an unknown field', { amount: 90000, currency: 'USD', note: 'x' }],
  ])(
    'PAY-11: %s is refused with 400 VALIDATION_FAILED and nothing is sent',
    async (_name, body) => {
      const response = await addCredit(body);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(h.gateway.addPrepaidCredit).not.toHaveBeenCalled();
    },
  );

  it.each<[RefusalType, number, string | undefined]>([
    ['PAYMENT_METHOD_REQUIRED', 409, 'PAY-11'],
    ['CURRENCY_MISMATCH', 422, 'PAY-11'],
    ['PREPAID_CREDIT_ACTIVE', 409, 'PAY-11'],
    ['INVALID_CREDIT', 422, 'PAY-11'],
    ['ACCOUNT_CLOSED', 409, 'CAN-2'],
    ['ACCOUNT_SUSPENDED', 409, undefined],
    ['CHARGE_IN_PROGRESS', 409, undefined],
    ['PLAN_FIXED_BY_COUPON', 409, 'LTD-4'],
    ['CARD_DECLINED', 402, undefined],
  ])('PAY-11: the workflow refusing with %s answers %i', async (code, status, clause) => {
    h.gateway.addPrepaidCredit.mockRejectedValueOnce(refusal(code, `refused: ${code}`));
    const response = await addCredit({ amount: 90000, currency: 'USD' });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ code, ...(clause ? { clause } : {}) });
  });

  it('an unknown account answers 404 ACCOUNT_NOT_FOUND', async () => {
    h.gateway.addPrepaidCredit.mockRejectedValueOnce(notFound(account.accountId));
    const response = await addCredit({ amount: 90000, currency: 'USD' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
  });

  it('an owner key may not add a credit, even to its own account', async () => {
    const response = await addCredit({ amount: 90000, currency: 'USD' }, { key: account.ownerKey });
    expect(response.statusCode).toBe(403);
    expect(h.gateway.addPrepaidCredit).not.toHaveBeenCalled();
  });
});
