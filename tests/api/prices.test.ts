import { bearer, createHarness, signUp, type Harness, type SignedUp } from './support/harness';

let h: Harness;
let team: SignedUp;
let teamToo: SignedUp;
let business: SignedUp;

beforeAll(async () => {
  h = await createHarness();
  team = await signUp(h);
  teamToo = await signUp(h);
  business = await signUp(h, { planId: 'business' });
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => {
  jest.clearAllMocks();
});

function announce(body: unknown, headers: Record<string, string> = {}) {
  return h.app.inject({
    method: 'POST',
    url: '/v1/ops/plans/team/price-changes',
    headers: { ...bearer(h.keys.ops), ...headers },
    payload: body as Record<string, unknown>,
  });
}

const body = { currency: 'USD', seatPrice: { monthly: 2100, annual: 21000 } };

describe('POST /v1/ops/plans/:planId/price-changes', () => {
  it('PAY-5: tells every account on the plan, and no other, under one change id', async () => {
    const response = await announce(body);
    expect(response.statusCode).toBe(202);
    const told = h.gateway.announcePriceChange.mock.calls.map(([accountId]) => accountId);
    expect(told).toEqual(expect.arrayContaining([team.accountId, teamToo.accountId]));
    expect(told).not.toContain(business.accountId);
    const { changeId, notified } = response.json<{ changeId: string; notified: number }>();
    expect(notified).toBe(told.length);
    for (const [, input] of h.gateway.announcePriceChange.mock.calls) {
      expect(input).toEqual({ changeId, planId: 'team', ...body });
    }
  });

  it('PAY-5: a retried announcement with the same Idempotency-Key acts once', async () => {
    const headers = { 'idempotency-key': 'price-change-2027' };
    const first = await announce(body, headers);
    const calls = h.gateway.announcePriceChange.mock.calls.length;
    const second = await announce(body, headers);
    expect(second.json()).toEqual(first.json());
    expect(h.gateway.announcePriceChange.mock.calls.length).toBe(calls);
  });

  it('PAY-5: only ops may announce, and prices must be whole minor units', async () => {
    const asOwner = await h.app.inject({
      method: 'POST',
      url: '/v1/ops/plans/team/price-changes',
      headers: bearer(team.ownerKey),
      payload: body,
    });
    expect(asOwner.statusCode).toBe(403);
    const fractional = await announce({ ...body, seatPrice: { monthly: 21.5, annual: 21000 } });
    expect(fractional.statusCode).toBe(400);
    expect(h.gateway.announcePriceChange).not.toHaveBeenCalled();
  });
});
