import { ActivityCoalescer } from '../../api/activity-coalescer';
import { notFound } from './support/fake-gateway';
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

const report = (accountId: string, key: string) =>
  h.app.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/activity`,
    headers: bearer(key),
  });

describe('POST /v1/accounts/:accountId/activity', () => {
  it('INACT-1: the product reports a login; the workflow is signalled and nothing is returned', async () => {
    const response = await report(account.accountId, h.keys.signup);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(h.gateway.calls()).toEqual([['reportActivity', account.accountId]]);
  });

  it('INACT-1: reports within 15 minutes of the last one passed on are dropped', async () => {
    const response = await report(account.accountId, h.keys.signup);
    expect(response.statusCode).toBe(204);
    expect(h.gateway.reportActivity).not.toHaveBeenCalled();
  });

  it('INACT-1: an account without a workflow is 404 ACCOUNT_NOT_FOUND', async () => {
    const other = await signUp(h);
    h.gateway.reportActivity.mockRejectedValueOnce(notFound(other.accountId));
    const response = await report(other.accountId, h.keys.signup);
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
  });

  it('INACT-1: only the product may report activity', async () => {
    const response = await report(account.accountId, account.ownerKey);
    expect(response.statusCode).toBe(403);
    expect(h.gateway.reportActivity).not.toHaveBeenCalled();
  });
});

describe('ActivityCoalescer', () => {
  it('INACT-1: one report per account per window; a failed one is retried by the next', async () => {
    const sent: string[] = [];
    let now = 0;
    let fail = false;
    const coalescer = new ActivityCoalescer(
      (accountId) => {
        if (fail) return Promise.reject(new Error('unavailable'));
        sent.push(accountId);
        return Promise.resolve();
      },
      () => now,
      1_000,
    );
    expect(await coalescer.report('a')).toBe('sent');
    now = 999;
    expect(await coalescer.report('a')).toBe('coalesced');
    expect(await coalescer.report('b')).toBe('sent');
    now = 1_000;
    fail = true;
    await expect(coalescer.report('a')).rejects.toThrow('unavailable');
    fail = false;
    now = 1_001;
    expect(await coalescer.report('a')).toBe('sent');
    expect(sent).toEqual(['a', 'b', 'a']);
  });
});
