import { bearer, createHarness, signUp, type Harness, type SignedUp } from './support/harness';

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

function report(path: string, body?: unknown, key = h.keys.ops) {
  return h.app.inject({
    method: 'POST',
    url: `/v1/ops/accounts/${owner.accountId}${path}`,
    headers: bearer(key),
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
}

describe('reports from the product', () => {
  it('PAY-6: usage reaches the workflow, with the seats in use for PAY-4', async () => {
    const response = await report('/usage', {
      endUsers: 12000,
      ticketsPerAgent: 40,
      seatsInUse: 3,
    });
    expect(response.statusCode).toBe(202);
    expect(h.gateway.report.mock.calls).toEqual([
      [owner.accountId, { kind: 'usage', endUsers: 12000, ticketsPerAgent: 40 }],
      [owner.accountId, { kind: 'seats_in_use', seatsInUse: 3 }],
    ]);
  });

  it('PAY-6: a malformed report never reaches the workflow', async () => {
    expect((await report('/usage', { endUsers: -1, ticketsPerAgent: 40 })).statusCode).toBe(400);
    expect((await report('/usage', { endUsers: 1.5, ticketsPerAgent: 40 })).statusCode).toBe(400);
    expect(h.gateway.report).not.toHaveBeenCalled();
  });

  it('ACCT-2: a shared login is passed on; owners cannot report one', async () => {
    expect((await report('/shared-login')).statusCode).toBe(202);
    expect(h.gateway.report).toHaveBeenCalledWith(owner.accountId, { kind: 'shared_login' });
    expect((await report('/shared-login', undefined, owner.ownerKey)).statusCode).toBe(403);
    expect(h.gateway.report).toHaveBeenCalledTimes(1);
  });
});
