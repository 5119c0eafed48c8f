import { randomUUID } from 'node:crypto';
import { hashCode } from '../../api/coupon-codes';
import { couponAccountId } from '../../workflows/policy/coupon';
import { refusal } from './support/fake-gateway';
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
const campaignId = `ltd-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  h = await createHarness();
  owner = await signUp(h);
  const created = await createCampaign();
  if (created.statusCode !== 201) throw new Error(created.body);
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => {
  jest.clearAllMocks();
});

function createCampaign(overrides: Record<string, unknown> = {}) {
  return h.app.inject({
    method: 'POST',
    url: '/v1/ops/coupon-campaigns',
    headers: bearer(h.keys.ops),
    payload: {
      campaignId,
      planId: 'all-inclusive',
      currency: 'USD',
      oneTimePrice: 5900,
      redeemBy: '2019-11-30T23:59:59Z',
      ...overrides,
    },
  });
}

function importCodes(codes: string[], id = campaignId) {
  return h.app.inject({
    method: 'POST',
    url: `/v1/ops/coupon-campaigns/${id}/codes`,
    headers: bearer(h.keys.ops),
    payload: { codes },
  });
}

function redeem(overrides: Record<string, unknown> = {}) {
  return h.app.inject({
    method: 'POST',
    url: '/v1/coupon-redemptions',
    headers: bearer(h.keys.signup),
    payload: {
      requestId: randomUUID(),
      code: 'UNSET',
      fullName: 'Ona Petrauskė',
      email: `ona.${randomUUID().slice(0, 8)}@example.test`,
      companyName: 'Ąžuolas UAB',
      ageConfirmed: true,
      ...overrides,
    },
  });
}

/** A random deal code of letters only: long digit runs would look like card numbers (PAY-8). */
function freshCode(): string {
  const letters = randomUUID()
    .replace(/-/g, '')
    .slice(0, 16)
    .replace(/[0-9]/g, (digit) => String.fromCharCode(103 + Number(digit)));
  return `LTD-${letters.toUpperCase()}`;
}

function expectProblem(
  response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown },
  status: number,
  code: string,
  clause?: string,
): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
  expect(response.json()).toMatchObject({ status, code, ...(clause ? { clause } : {}) });
}

describe('campaigns and codes', () => {
  test('LTD-5: a campaign defaults to 2 included seats and 39 USD per extra seat and month', async () => {
    const again = await createCampaign();
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      campaignId,
      includedSeats: 2,
      extraSeatPrice: 3900,
      redeemBy: '2019-11-30T23:59:59.000Z',
    });
    expectProblem(await createCampaign({ extraSeatPrice: 4900 }), 409, 'CAMPAIGN_EXISTS');
    expectProblem(await createCampaign({ planId: 'no-such-plan' }), 422, 'UNKNOWN_PLAN');
  });

  test('codes are stored as hashes only; repeats are counted, not stored twice', async () => {
    const code = freshCode();
    const response = await importCodes([code, freshCode(), code.toLowerCase()]);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ received: 3, imported: 2, duplicates: 1 });
    const stored = await h.pool.query<{ code_hash: string }>(
      'SELECT code_hash FROM coupon_codes WHERE code_hash = $1',
      [hashCode(code)],
    );
    expect(stored.rows).toHaveLength(1);
    const plain = await h.pool.query("SELECT 1 FROM coupon_codes WHERE code_hash LIKE 'LTD-%'");
    expect(plain.rowCount).toBe(0);
    expectProblem(await importCodes([freshCode()], 'no-such-campaign'), 404, 'CAMPAIGN_NOT_FOUND');
  });

  test('an import of 10,000 codes in one request, in batches, with the time it took', async () => {
    const codes = Array.from({ length: 10_000 }, () => freshCode());
    const started = performance.now();
    const response = await importCodes(codes);
    const elapsed = Math.round(performance.now() - started);
    expect(response.statusCode).toBe(200);
    const body = response.json<{ imported: number; elapsedMs: number }>();
    expect(body.imported).toBe(10_000);
    console.log(
      `imported 10,000 codes in ${elapsed} ms over HTTP (${body.elapsedMs} ms in the handler)`,
    );
    const counted = await h.pool.query<{ count: string }>(
      'SELECT count(*) FROM coupon_codes WHERE code_hash = ANY($1::text[])',
      [codes.map(hashCode)],
    );
    expect(Number(counted.rows[0]?.count)).toBe(10_000);
    // A progress line per batch.
    expect(h.logLines.filter((line) => line.includes('/10000 codes'))).toHaveLength(5);
  });
});

describe('redemption', () => {
  test('LTD-1: the code, full name, email and company are required; an unknown code is refused', async () => {
    expectProblem(await redeem({ code: freshCode() }), 404, 'COUPON_CODE_UNKNOWN');
    for (const field of ['fullName', 'email', 'companyName', 'code']) {
      const response = await redeem({ code: freshCode(), [field]: undefined });
      expect(response.statusCode).toBe(400);
    }
    expect(h.couponGateway.redeem).not.toHaveBeenCalled();
  });

  test('LTD-1: a known code: details go to Postgres, only the hash to the workflow', async () => {
    const code = freshCode();
    await importCodes([code]);
    const requestId = randomUUID();
    const response = await redeem({ code, requestId, companyName: 'Ąžuolas UAB' });
    expect(response.statusCode).toBe(201);
    const body = response.json<{ accountId: string; slug: string; ownerKey: string }>();
    expect(body.accountId).toBe(couponAccountId(hashCode(code)));
    expect(body.ownerKey).toMatch(/^bk_/);
    expect(h.couponGateway.redeem).toHaveBeenCalledWith(hashCode(code), requestId);
    const stored = await h.pool.query<{ company: string; full_name: string }>(
      'SELECT company, full_name FROM coupon_redemption_requests WHERE request_id = $1',
      [requestId],
    );
    expect(stored.rows[0]).toEqual({ company: 'Ąžuolas UAB', full_name: 'Ona Petrauskė' });
    expect(h.logLines.join('\n')).not.toContain(code);
  });

  test.each([
    ['LTD-2', 'CODE_ALREADY_REDEEMED', 409],
    ['LTD-3', 'REDEMPTION_CLOSED', 422],
    ['LTD-11', 'ACCOUNT_ALREADY_HAS_CODE', 409],
  ] as const)(
    '%s: the workflow refusal %s answers %i with the clause',
    async (clause, type, status) => {
      const code = freshCode();
      await importCodes([code]);
      h.couponGateway.redeem.mockRejectedValueOnce(refusal(type));
      expectProblem(await redeem({ code }), status, type, clause);
    },
  );

  test('LTD-2: a report of a shared code goes to the code’s workflow by hash', async () => {
    const code = freshCode();
    await importCodes([code]);
    const response = await h.app.inject({
      method: 'POST',
      url: '/v1/ops/coupon-codes/shared',
      headers: bearer(h.keys.ops),
      payload: { code, accountIds: [owner.accountId, couponAccountId(hashCode(code))] },
    });
    expect(response.statusCode).toBe(200);
    expect(h.couponGateway.reportSharedCode).toHaveBeenCalledWith(
      hashCode(code),
      [owner.accountId, couponAccountId(hashCode(code))],
      expect.any(String),
    );
  });
});

describe('owner commands on a coupon account', () => {
  const details = {
    fullName: 'Ona Petrauskė',
    email: 'ona@example.test',
    company: 'Ąžuolas UAB',
    street: 'Gedimino pr. 1',
    city: 'Vilnius',
    postcode: 'LT-01103',
    country: 'LT',
  };

  function billing(payload: Record<string, unknown>) {
    return h.app.inject({
      method: 'POST',
      url: `/v1/accounts/${owner.accountId}/billing-details`,
      headers: bearer(owner.ownerKey),
      payload,
    });
  }

  test('LTD-7: billing details missing a field the country requires are refused, naming it', async () => {
    const response = await billing(details);
    expectProblem(response, 422, 'BILLING_DETAILS_INCOMPLETE', 'LTD-7');
    expect(response.json<{ detail: string }>().detail).toContain('companyCode');
    expect(h.couponGateway.billingDetailsProvided).not.toHaveBeenCalled();
  });

  test('LTD-7: complete billing details are stored and the workflow is told', async () => {
    const response = await billing({ ...details, companyCode: '123456789' });
    expect(response.statusCode).toBe(200);
    expect(h.couponGateway.billingDetailsProvided).toHaveBeenCalledWith(
      owner.accountId,
      expect.any(String),
    );
    const stored = await h.pool.query<{ company_code: string }>(
      'SELECT company_code FROM billing_details WHERE account_id = $1',
      [owner.accountId],
    );
    expect(stored.rows[0]?.company_code).toBe('123456789');
  });

  test('LTD-5: the owner sets the seats in use through the workflow', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: `/v1/accounts/${owner.accountId}/seats`,
      headers: bearer(owner.ownerKey),
      payload: { seats: 5 },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ account: { seats: number } }>().account.seats).toBe(5);
    expect(h.couponGateway.changeSeats).toHaveBeenCalledWith(
      owner.accountId,
      5,
      expect.any(String),
    );
  });

  test('a seat change on an account without a code is refused by the workflow', async () => {
    h.couponGateway.changeSeats.mockRejectedValueOnce(refusal('NOT_A_COUPON_ACCOUNT'));
    const response = await h.app.inject({
      method: 'POST',
      url: `/v1/accounts/${owner.accountId}/seats`,
      headers: bearer(owner.ownerKey),
      payload: { seats: 5 },
    });
    expectProblem(response, 409, 'NOT_A_COUPON_ACCOUNT');
  });
});
