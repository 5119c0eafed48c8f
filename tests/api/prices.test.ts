import { bearer, createHarness, signUp, type Harness, type SignedUp } from './support/harness';

let h: Harness;
let team: SignedUp;

beforeAll(async () => {
  h = await createHarness();
  team = await signUp(h);
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
  it('PAY-5: starts one fan-out for the change and reports its outcome', async () => {
    const response = await announce(body);
    expect(response.statusCode).toBe(202);
    expect(h.gateway.announcePriceChange).toHaveBeenCalledTimes(1);
    const [input, waitMs] = h.gateway.announcePriceChange.mock.calls[0];
    const answer = response.json<{ changeId: string }>();
    expect(input).toEqual({ changeId: answer.changeId, planId: 'team', ...body });
    expect(waitMs).toBeGreaterThan(0);
    expect(answer).toEqual({
      changeId: input.changeId,
      planId: 'team',
      workflowId: `price-change:${input.changeId}`,
      complete: true,
      notified: 2,
      skipped: 0,
    });
  });

  it('PAY-5: a fan-out still running when the answer is due is reported as incomplete', async () => {
    h.gateway.announcePriceChange.mockResolvedValueOnce(null);
    const response = await announce(body);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ complete: false, notified: null, skipped: null });
  });

  it('PAY-5: a retried announcement with the same Idempotency-Key acts once', async () => {
    const headers = { 'idempotency-key': 'price-change-2027' };
    const first = await announce(body, headers);
    const second = await announce(body, headers);
    expect(second.json()).toEqual(first.json());
    expect(h.gateway.announcePriceChange).toHaveBeenCalledTimes(1);
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
