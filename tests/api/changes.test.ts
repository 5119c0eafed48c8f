import { upgradeQuote, refusal } from './support/fake-gateway';
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

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return h.app.inject({
    method: 'POST',
    url: `/v1/accounts/${owner.accountId}${path}`,
    headers: { ...bearer(owner.ownerKey), ...headers },
    payload: body as Record<string, unknown>,
  });
}

describe('POST /v1/accounts/:accountId/plan-change', () => {
  it('PAY-2b: passes the change to the workflow and answers what was charged and what comes next', async () => {
    const response = await post('/plan-change', { planId: 'business', seats: 3, cycle: 'monthly' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      charged: [],
      change: { kind: 'upgrade_next_renewal', clause: 'PAY-2b', chargeNow: { amount: 0 } },
      account: { planId: 'business', seats: 3 },
    });
    const [accountId, input, requestKey] = h.gateway.changePlan.mock.calls[0];
    expect(accountId).toBe(owner.accountId);
    expect(input).toEqual({ planId: 'business', seats: 3, cycle: 'monthly' });
    expect(requestKey).toMatch(/^owner\.changePlan:/);
  });

  it('PAY-4: the confirmation reaches the workflow, and its refusal is a 409 naming the clause', async () => {
    h.gateway.changePlan.mockRejectedValueOnce(
      refusal(
        'CONFIRMATION_REQUIRED',
        'Lowering the seats to 1 removes 2 of the 3 agent seats in use (PAY-4)',
      ),
    );
    const refused = await post('/plan-change', { planId: 'team', seats: 1, cycle: 'monthly' });
    expect(refused.statusCode).toBe(409);
    expect(refused.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    expect(refused.json()).toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
      clause: 'PAY-4',
      detail: expect.stringContaining('removes 2 of the 3') as unknown,
    });

    await post('/plan-change', {
      planId: 'team',
      seats: 1,
      cycle: 'monthly',
      confirmSeatsRemoved: 2,
    });
    expect(h.gateway.changePlan.mock.calls[1][1]).toEqual({
      planId: 'team',
      seats: 1,
      cycle: 'monthly',
      confirmSeatsRemoved: 2,
    });
  });

  it('PAY-2a: a declined proration is 402 CARD_DECLINED; seats beyond the plan are 422', async () => {
    h.gateway.changePlan.mockRejectedValueOnce(refusal('CARD_DECLINED'));
    expect(
      (await post('/plan-change', { planId: 'team', seats: 5, cycle: 'annual' })).statusCode,
    ).toBe(402);
    h.gateway.changePlan.mockRejectedValueOnce(refusal('SEATS_OUT_OF_RANGE'));
    expect(
      (await post('/plan-change', { planId: 'team', seats: 99, cycle: 'annual' })).statusCode,
    ).toBe(422);
  });

  it('PAY-2a: a malformed change never reaches the workflow', async () => {
    for (const body of [
      { planId: 'team', seats: 0, cycle: 'monthly' },
      { planId: 'team', seats: 2, cycle: 'weekly' },
      { planId: 'team', seats: 2.5, cycle: 'monthly' },
      { planId: 'team', seats: 2, cycle: 'monthly', price: 1 },
    ]) {
      const response = await post('/plan-change', body);
      expect(response.statusCode).toBe(400);
    }
    expect(h.gateway.changePlan).not.toHaveBeenCalled();
  });

  it('PAY-2a: a retried change with the same Idempotency-Key acts once', async () => {
    const body = { planId: 'business', seats: 4, cycle: 'annual' };
    const headers = { 'idempotency-key': `change-${owner.accountId}` };
    const first = await post('/plan-change', body, headers);
    const second = await post('/plan-change', body, headers);
    expect(second.json()).toEqual(first.json());
    expect(h.gateway.changePlan).toHaveBeenCalledTimes(1);
  });
});

describe('POST /v1/accounts/:accountId/plan-change/preview', () => {
  it('PAY-2a: answers the quote and changes nothing', async () => {
    const response = await post('/plan-change/preview', {
      planId: 'business',
      seats: 3,
      cycle: 'monthly',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(upgradeQuote());
    expect(h.gateway.previewChange).toHaveBeenCalledWith(owner.accountId, {
      planId: 'business',
      seats: 3,
      cycle: 'monthly',
    });
    expect(h.gateway.changePlan).not.toHaveBeenCalled();
  });
});
