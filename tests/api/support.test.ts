import { randomUUID } from 'node:crypto';
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

const cancel = (accountId: string, headers: Record<string, string> = {}) =>
  h.app.inject({
    method: 'POST',
    url: `/v1/support/accounts/${accountId}/cancellation`,
    headers: { ...bearer(h.keys.support), ...headers },
  });

const rotate = (accountId: string, headers: Record<string, string> = {}) =>
  h.app.inject({
    method: 'POST',
    url: `/v1/support/accounts/${accountId}/owner-key`,
    headers: { ...bearer(h.keys.support), ...headers },
  });

describe('POST /v1/support/accounts/:accountId/cancellation', () => {
  it('CAN-1: files the cancellation and answers 202 with when it takes effect', async () => {
    const response = await cancel(account.accountId);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      accountId: account.accountId,
      effectiveAt: '2026-11-24T23:59:59.999Z',
      account: { pendingCancellationAt: '2026-11-24T23:59:59.999Z' },
    });
    expect(h.gateway.requestCancellation).toHaveBeenCalledWith(
      account.accountId,
      expect.stringMatching(/^support\.requestCancellation:/),
    );
  });

  it('CAN-1: a cancellation of a cancelled account is refused with 409 ACCOUNT_CLOSED (CAN-2)', async () => {
    h.gateway.requestCancellation.mockRejectedValueOnce(
      refusal('ACCOUNT_CLOSED', 'The account is cancelled; nothing more can be changed (CAN-2)'),
    );
    const response = await cancel(account.accountId);
    expect(response.statusCode).toBe(409);
    expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ code: 'ACCOUNT_CLOSED', clause: 'CAN-2' });
  });

  it('CAN-1: a retried filing with the same Idempotency-Key is one filing', async () => {
    const key = randomUUID();
    const first = await cancel(account.accountId, { 'idempotency-key': key });
    const second = await cancel(account.accountId, { 'idempotency-key': key });
    expect(second.statusCode).toBe(202);
    expect(second.body).toBe(first.body);
    expect(h.gateway.requestCancellation).toHaveBeenCalledTimes(1);
  });

  it('an unknown account answers 404 ACCOUNT_NOT_FOUND', async () => {
    h.gateway.requestCancellation.mockRejectedValueOnce(notFound(account.accountId));
    const response = await cancel(account.accountId);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
  });

  it('a malformed account id is refused with 400 before the workflow is asked', async () => {
    const response = await cancel('acc_NOT-HEX');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(h.gateway.requestCancellation).not.toHaveBeenCalled();
  });
});

describe('GET /v1/support/accounts/:accountId', () => {
  it('answers with the live account', async () => {
    const response = await h.app.inject({
      url: `/v1/support/accounts/${account.accountId}`,
      headers: bearer(h.keys.support),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ accountId: account.accountId, status: 'trialing' });
  });

  it('an unknown account answers 404', async () => {
    h.gateway.state.mockRejectedValueOnce(notFound(account.accountId));
    const response = await h.app.inject({
      url: `/v1/support/accounts/${account.accountId}`,
      headers: bearer(h.keys.support),
    });
    expect(response.statusCode).toBe(404);
  });
});

describe('POST /v1/support/accounts/:accountId/owner-key', () => {
  it('replaces the owner key: the old one stops working, the new one works', async () => {
    const signed = await signUp(h);
    const url = `/v1/accounts/${signed.accountId}`;
    expect((await h.app.inject({ url, headers: bearer(signed.ownerKey) })).statusCode).toBe(200);

    const response = await rotate(signed.accountId);
    expect(response.statusCode).toBe(201);
    const { ownerKey } = response.json<{ ownerKey: string }>();
    expect(ownerKey).toMatch(/^bk_/);
    expect((await h.app.inject({ url, headers: bearer(signed.ownerKey) })).statusCode).toBe(401);
    expect((await h.app.inject({ url, headers: bearer(ownerKey) })).statusCode).toBe(200);
    expect(h.logLines.join('\n')).not.toContain(ownerKey);
  });

  it('a replay with the same Idempotency-Key rotates nothing and shows no key', async () => {
    const signed = await signUp(h);
    const key = randomUUID();
    const first = await rotate(signed.accountId, { 'idempotency-key': key });
    const replay = await rotate(signed.accountId, { 'idempotency-key': key });
    const { ownerKey } = first.json<{ ownerKey: string }>();

    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual({ accountId: signed.accountId, ownerKey: null });
    const url = `/v1/accounts/${signed.accountId}`;
    expect((await h.app.inject({ url, headers: bearer(ownerKey) })).statusCode).toBe(200);
    const stored = await h.pool.query<{ body: string }>(
      'SELECT body FROM api_idempotency_keys WHERE idempotency_key = $1',
      [key],
    );
    expect(stored.rows[0]?.body).not.toContain(ownerKey);
  });

  it('an account that does not exist answers 404', async () => {
    const response = await rotate(`acc_${'f'.repeat(24)}`);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
  });
});
