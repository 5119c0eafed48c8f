/** TERM-1 through HTTP: support and ops suspend and reactivate; ops terminate. */
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

type Role = 'support' | 'ops';

const post = (
  path: string,
  payload: unknown,
  role: Role = 'support',
  headers: Record<string, string> = {},
) =>
  h.app.inject({
    method: 'POST',
    url: path,
    payload: payload as Record<string, unknown>,
    headers: { ...bearer(h.keys[role]), ...headers },
  });

const suspend = (payload: unknown, role: Role = 'support', headers: Record<string, string> = {}) =>
  post(`/v1/support/accounts/${account.accountId}/suspension`, payload, role, headers);
const reactivate = (payload: unknown, role: Role = 'support') =>
  post(`/v1/support/accounts/${account.accountId}/reactivation`, payload, role);
const terminate = (payload: unknown) =>
  post(`/v1/ops/accounts/${account.accountId}/termination`, payload, 'ops');

function expectProblem(
  response: Awaited<ReturnType<typeof post>>,
  status: number,
  code: string,
): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
  expect(response.json()).toMatchObject({ status, code });
}

describe('POST /v1/support/accounts/:accountId/suspension', () => {
  it('TERM-1: announces a suspension with its reason code; the answer carries the effective date', async () => {
    const response = await suspend({ reason: 'terms_breach' });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      account: {
        status: 'trialing',
        opsNotice: {
          action: 'suspend',
          reason: 'terms_breach',
          effectiveAt: '2026-11-29T10:00:00.000Z',
        },
      },
      charged: [],
    });
    expect(h.gateway.suspendAccount).toHaveBeenCalledWith(
      account.accountId,
      { reason: 'terms_breach', urgent: false },
      expect.stringMatching(/^support\.suspend:/),
    );
  });

  it('TERM-1: ops may suspend too, and an urgent suspension is passed on as urgent', async () => {
    const response = await suspend({ reason: 'fraud', urgent: true }, 'ops');
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      account: { status: 'suspended', suspensionReason: 'ops_suspended' },
    });
    expect(h.gateway.suspendAccount).toHaveBeenCalledWith(
      account.accountId,
      { reason: 'fraud', urgent: true },
      expect.any(String),
    );
  });

  it.each([
    ['no reason', {}],
    ['an unknown reason', { reason: 'looked_suspicious' }],
    ['a free-text note (personal data has no place here)', { reason: 'other', note: 'Ada said…' }],
    ['urgent that is not a boolean', { reason: 'abuse', urgent: 'yes' }],
  ])('TERM-1: a request with %s is refused with 400 and nothing is sent', async (_name, body) => {
    const response = await suspend(body);
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(h.gateway.suspendAccount).not.toHaveBeenCalled();
  });

  it.each<[RefusalType, number]>([
    ['ALREADY_SUSPENDED', 409],
    ['OPS_ACTION_PENDING', 409],
    ['TERMINATION_PENDING', 409],
    ['ACCOUNT_CLOSED', 409],
  ])('TERM-1: a suspension the workflow refuses with %s answers %i', async (code, status) => {
    h.gateway.suspendAccount.mockRejectedValueOnce(refusal(code, `Refused (TERM-1)`));
    const response = await suspend({ reason: 'abuse' });
    expectProblem(response, status, code);
    expect(response.json()).toMatchObject({ clause: 'TERM-1', detail: 'Refused (TERM-1)' });
  });

  it('TERM-1: a retried suspension with the same Idempotency-Key is one suspension', async () => {
    const key = randomUUID();
    const first = await suspend({ reason: 'abuse' }, 'support', { 'idempotency-key': key });
    const second = await suspend({ reason: 'abuse' }, 'support', { 'idempotency-key': key });
    expect(second.statusCode).toBe(202);
    expect(second.body).toBe(first.body);
    expect(h.gateway.suspendAccount).toHaveBeenCalledTimes(1);
  });

  it('an unknown account answers 404 ACCOUNT_NOT_FOUND', async () => {
    h.gateway.suspendAccount.mockRejectedValueOnce(notFound(account.accountId));
    expectProblem(await suspend({ reason: 'abuse' }), 404, 'ACCOUNT_NOT_FOUND');
  });
});

describe('POST /v1/support/accounts/:accountId/reactivation', () => {
  it.each<Role>(['support', 'ops'])(
    'TERM-1: %s lifts an ops suspension with a reason code',
    async (role) => {
      const response = await reactivate({ reason: 'appeal_upheld' }, role);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ account: { accountId: account.accountId } });
      expect(h.gateway.reactivateAccount).toHaveBeenCalledWith(
        account.accountId,
        { reason: 'appeal_upheld' },
        expect.stringMatching(/^support\.reactivate:/),
      );
    },
  );

  it.each([
    ['no reason', {}],
    ['an ops reason instead of a reactivation reason', { reason: 'fraud' }],
  ])('TERM-1: a request with %s is refused with 400', async (_name, body) => {
    expectProblem(await reactivate(body), 400, 'VALIDATION_FAILED');
    expect(h.gateway.reactivateAccount).not.toHaveBeenCalled();
  });

  it.each<[RefusalType, number]>([
    ['SUSPENSION_NOT_LIFTABLE', 409],
    ['NOT_SUSPENDED', 409],
    ['TERMINATION_PENDING', 409],
    ['ACCOUNT_CLOSED', 409],
    ['CARD_DECLINED', 402],
  ])('TERM-1: a reactivation the workflow refuses with %s answers %i', async (code, status) => {
    h.gateway.reactivateAccount.mockRejectedValueOnce(refusal(code));
    expectProblem(await reactivate({ reason: 'resolved' }), status, code);
  });
});

describe('POST /v1/ops/accounts/:accountId/termination', () => {
  it('TERM-1: announces a termination; urgent closes the account at once with its cause', async () => {
    const announced = await terminate({ reason: 'terms_breach' });
    expect(announced.statusCode).toBe(202);
    expect(announced.json()).toMatchObject({
      account: { opsNotice: { action: 'terminate', reason: 'terms_breach' } },
    });

    const urgent = await terminate({ reason: 'fraud', urgent: true });
    expect(urgent.statusCode).toBe(202);
    expect(urgent.json()).toMatchObject({
      account: { status: 'cancelled', termination: { reason: 'fraud' } },
      charged: [],
    });
    expect(h.gateway.terminateAccount.mock.calls.map((call) => call[1])).toEqual([
      { reason: 'terms_breach', urgent: false },
      { reason: 'fraud', urgent: true },
    ]);
  });

  it('TERM-1: support may not terminate (it cannot be undone): 403', async () => {
    const response = await post(
      `/v1/ops/accounts/${account.accountId}/termination`,
      { reason: 'abuse' },
      'support',
    );
    expectProblem(response, 403, 'FORBIDDEN');
    expect(h.gateway.terminateAccount).not.toHaveBeenCalled();
  });

  it('TERM-1: a termination without a valid reason is refused with 400', async () => {
    expectProblem(await terminate({ reason: 'because' }), 400, 'VALIDATION_FAILED');
    expect(h.gateway.terminateAccount).not.toHaveBeenCalled();
  });

  it.each<[RefusalType, number]>([
    ['ACCOUNT_CLOSED', 409],
    ['OPS_ACTION_PENDING', 409],
  ])('TERM-1: a termination the workflow refuses with %s answers %i', async (code, status) => {
    h.gateway.terminateAccount.mockRejectedValueOnce(refusal(code));
    expectProblem(await terminate({ reason: 'abuse' }), status, code);
  });
});
