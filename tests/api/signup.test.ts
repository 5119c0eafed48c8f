import { randomUUID } from 'node:crypto';
import { accountIdForSignup } from '../../api/routes/signup';
import {
  bearer,
  createHarness,
  PROBLEM_CONTENT_TYPE,
  signupBody,
  type Harness,
} from './support/harness';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => {
  jest.clearAllMocks();
});

function signup(payload: unknown, headers: Record<string, string> = {}) {
  return h.app.inject({
    method: 'POST',
    url: '/v1/signups',
    headers: { ...bearer(h.keys.signup), ...headers },
    payload: payload as Record<string, unknown>,
  });
}

async function rowsFor(signupId: string) {
  const accounts = await h.pool.query<{ account_id: string; status: string }>(
    'SELECT account_id, status FROM accounts WHERE signup_id = $1',
    [signupId],
  );
  const contacts = await h.pool.query<{ full_name: string; email: string; language: string }>(
    'SELECT full_name, email, language FROM account_contacts WHERE account_id = $1',
    [accountIdForSignup(signupId)],
  );
  return { accounts: accounts.rows, contacts: contacts.rows };
}

describe('POST /v1/signups', () => {
  it('ACCT-1, PAY-1a: opens the account, keeps personal data in Postgres only, starts the workflow', async () => {
    const body = signupBody({ fullName: 'Grace Hopper', language: 'lt' });
    const response = await signup(body);

    expect(response.statusCode).toBe(201);
    const json = response.json<{ accountId: string; status: string; ownerKey: string }>();
    expect(json.accountId).toBe(accountIdForSignup(body.signupId as string));
    expect(json.accountId).toMatch(/^acc_[0-9a-f]{24}$/);
    expect(json.status).toBe('pending');
    expect(json.ownerKey).toMatch(/^bk_[A-Za-z0-9_-]{43}$/);

    const rows = await rowsFor(body.signupId as string);
    expect(rows.accounts).toEqual([{ account_id: json.accountId, status: 'pending' }]);
    expect(rows.contacts).toEqual([
      { full_name: 'Grace Hopper', email: body.email, language: 'lt' },
    ]);

    expect(h.gateway.openAccount).toHaveBeenCalledTimes(1);
    const input = h.gateway.openAccount.mock.calls[0][0];
    expect(input).toEqual({
      accountId: json.accountId,
      plan: expect.objectContaining({ planId: 'team', currency: 'USD', trialDays: 14 }) as unknown,
      seats: 3,
      cycle: 'monthly',
    });
    const serialised = JSON.stringify(input);
    expect(serialised).not.toContain('Grace');
    expect(serialised).not.toContain(body.email as string);

    const logs = h.logLines.join('\n');
    expect(logs).not.toContain('Grace Hopper');
    expect(logs).not.toContain(body.email as string);
    expect(logs).not.toContain(json.ownerKey);
  });

  it('stores only the digest of the owner key, and the key works for its own account', async () => {
    const response = await signup(signupBody());
    const { accountId, ownerKey } = response.json<{ accountId: string; ownerKey: string }>();
    const stored = await h.pool.query<{ key_sha256: string }>(
      'SELECT key_sha256 FROM api_owner_keys WHERE account_id = $1',
      [accountId],
    );
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0].key_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.rows[0].key_sha256).not.toContain(ownerKey.slice(3, 20));

    const own = await h.app.inject({ url: `/v1/accounts/${accountId}`, headers: bearer(ownerKey) });
    expect(own.statusCode).toBe(200);
  });

  it('is idempotent by signupId: a repeat answers 200 with the same account and no second account', async () => {
    const body = signupBody();
    const first = await signup(body);
    const second = await signup(body);

    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(second.json<{ accountId: string }>().accountId).toBe(
      first.json<{ accountId: string }>().accountId,
    );
    expect((await rowsFor(body.signupId as string)).accounts).toHaveLength(1);
    // Starting again is harmless (the workflow id conflict policy finds the running one) and
    // heals a first attempt whose start failed.
    expect(h.gateway.openAccount).toHaveBeenCalledTimes(2);
  });

  it('a repeat before the owner key was ever used replaces it: only the newest key works', async () => {
    const body = signupBody();
    const first = (await signup(body)).json<{ accountId: string; ownerKey: string }>();
    const repeat = await signup(body);
    const second = repeat.json<{ accountId: string; ownerKey?: string }>();

    expect(repeat.statusCode).toBe(200);
    expect(second.ownerKey).toMatch(/^bk_/);
    expect(second.ownerKey).not.toBe(first.ownerKey);
    const url = `/v1/accounts/${first.accountId}`;
    expect((await h.app.inject({ url, headers: bearer(first.ownerKey) })).statusCode).toBe(401);
    expect((await h.app.inject({ url, headers: bearer(second.ownerKey!) })).statusCode).toBe(200);
  });

  it('a repeat after the owner key was used issues no key, and the used key keeps working', async () => {
    const body = signupBody();
    const first = (await signup(body)).json<{ accountId: string; ownerKey: string }>();
    const url = `/v1/accounts/${first.accountId}`;
    expect((await h.app.inject({ url, headers: bearer(first.ownerKey) })).statusCode).toBe(200);

    const repeat = await signup(body);
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json()).toEqual({ accountId: first.accountId, status: 'pending' });
    expect((await h.app.inject({ url, headers: bearer(first.ownerKey) })).statusCode).toBe(200);
  });

  it('the same signupId with different details is refused with 409 IDEMPOTENCY_CONFLICT', async () => {
    const body = signupBody();
    await signup(body);
    for (const change of [
      { seats: 4 },
      { planId: 'business' },
      { email: 'someone.else@example.test' },
      { fullName: 'Somebody Else' },
      { cycle: 'annual' },
    ]) {
      const response = await signup({ ...body, ...change });
      expect(response.statusCode).toBe(409);
      expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
      expect(response.json()).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', status: 409 });
    }
    const rows = await rowsFor(body.signupId as string);
    expect(rows.contacts[0]).toMatchObject({ full_name: 'Ada Lovelace', email: body.email });
    expect(h.gateway.openAccount).toHaveBeenCalledTimes(1);
  });

  it('reports the read-model status on a repeat once the workflow has published', async () => {
    const body = signupBody();
    const { accountId } = (await signup(body)).json<{ accountId: string }>();
    await h.pool.query(`UPDATE accounts SET status = 'trialing' WHERE account_id = $1`, [
      accountId,
    ]);
    expect((await signup(body)).json()).toMatchObject({ accountId, status: 'trialing' });
  });

  it('a failed workflow start answers 500 without details; the retry starts it and succeeds', async () => {
    const body = signupBody();
    h.gateway.openAccount.mockRejectedValueOnce(new Error('connect ECONNREFUSED 10.0.0.7:7233'));
    const failed = await signup(body);
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toMatchObject({ code: 'INTERNAL', status: 500 });
    expect(failed.body).not.toContain('ECONNREFUSED');

    const retried = await signup(body);
    expect(retried.statusCode).toBe(200);
    expect(h.gateway.openAccount).toHaveBeenCalledTimes(2);
  });

  describe('ACCT-1 refusals', () => {
    const cases: [string, string, Record<string, unknown>][] = [
      ['ageConfirmed false', 'AGE_NOT_CONFIRMED', { ageConfirmed: false }],
      ['ageConfirmed missing', 'AGE_NOT_CONFIRMED', { ageConfirmed: undefined }],
      ['ageConfirmed as a string', 'AGE_NOT_CONFIRMED', { ageConfirmed: 'true' }],
      ['ageConfirmed as 1', 'AGE_NOT_CONFIRMED', { ageConfirmed: 1 }],
      ['email without @', 'INVALID_EMAIL', { email: 'ada.example.test' }],
      ['email without domain', 'INVALID_EMAIL', { email: 'ada@' }],
      ['email missing', 'INVALID_EMAIL', { email: undefined }],
      ['email not a string', 'INVALID_EMAIL', { email: 42 }],
      ['fullName blank', 'FULL_NAME_REQUIRED', { fullName: '   ' }],
      ['fullName empty', 'FULL_NAME_REQUIRED', { fullName: '' }],
      ['fullName missing', 'FULL_NAME_REQUIRED', { fullName: undefined }],
      ['fullName too long', 'FULL_NAME_REQUIRED', { fullName: 'x'.repeat(201) }],
    ];
    it.each(cases)('ACCT-1: %s is refused with 400 %s', async (_name, code, change) => {
      const body = signupBody(change);
      const response = await signup(body);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
      expect(response.json()).toMatchObject({ code, clause: 'ACCT-1', status: 400 });
      expect((await rowsFor(body.signupId as string)).accounts).toEqual([]);
      expect(h.gateway.openAccount).not.toHaveBeenCalled();
    });

    it('ACCT-1: the age refusal is reported first when several fields are wrong', async () => {
      const response = await signup(signupBody({ ageConfirmed: false, email: 'x', fullName: '' }));
      expect(response.json()).toMatchObject({ code: 'AGE_NOT_CONFIRMED' });
    });
  });

  describe('shape refusals', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['an unknown property', { referrer: 'ads' }],
      ['seats 0', { seats: 0 }],
      ['fractional seats', { seats: 1.5 }],
      ['seats as a string', { seats: '3' }],
      ['a weekly cycle', { cycle: 'weekly' }],
      ['an unsupported currency', { currency: 'GBP' }],
      ['an unsupported language', { language: 'de' }],
      ['a short signupId', { signupId: 'abc' }],
      ['a signupId with spaces', { signupId: 'a signup id with spaces' }],
      ['a missing planId', { planId: undefined }],
      ['a planId with capitals', { planId: 'Team' }],
    ];
    it.each(cases)('%s is refused with 400 VALIDATION_FAILED', async (_name, change) => {
      const body = signupBody(change);
      const response = await signup(body);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
      expect(response.json<{ errors: unknown[] }>().errors.length).toBeGreaterThan(0);
      expect(h.gateway.openAccount).not.toHaveBeenCalled();
    });

    it('a body that is not JSON is refused with 415', async () => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/v1/signups',
        headers: { ...bearer(h.keys.signup), 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'fullName=Ada',
      });
      expect(response.statusCode).toBe(415);
      expect(response.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    it('malformed JSON is refused with 400 MALFORMED_REQUEST, without echoing it', async () => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/v1/signups',
        headers: { ...bearer(h.keys.signup), 'content-type': 'application/json' },
        payload: '{"fullName": "Ada Secret", ',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'MALFORMED_REQUEST' });
      expect(response.body).not.toContain('Ada Secret');
      expect(h.logLines.join('\n')).not.toContain('Ada Secret');
    });

    it('an oversized body is refused with 413', async () => {
      const response = await signup(signupBody({ fullName: 'x'.repeat(70_000) }));
      expect(response.statusCode).toBe(413);
      expect(response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    });
  });

  describe('catalog refusals', () => {
    it('an unknown plan is refused with 422 UNKNOWN_PLAN', async () => {
      const response = await signup(signupBody({ planId: 'platinum' }));
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ code: 'UNKNOWN_PLAN' });
      expect(h.gateway.openAccount).not.toHaveBeenCalled();
    });

    it('seats beyond the plan limit are refused with 422 SEATS_OUT_OF_RANGE', async () => {
      const body = signupBody({ planId: 'team', seats: 51 });
      const response = await signup(body);
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ code: 'SEATS_OUT_OF_RANGE' });
      expect((await rowsFor(body.signupId as string)).accounts).toEqual([]);
    });
  });

  describe('Idempotency-Key', () => {
    it('the same key with the same body is the same signup', async () => {
      const body = signupBody();
      const key = randomUUID();
      const first = await signup(body, { 'idempotency-key': key });
      const second = await signup(body, { 'idempotency-key': key });
      expect(first.statusCode).toBe(201);
      expect(second.statusCode).toBe(200);
      expect(second.json<{ accountId: string }>().accountId).toBe(
        first.json<{ accountId: string }>().accountId,
      );
    });

    it('the same key for a different signup is refused with 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const key = randomUUID();
      await signup(signupBody(), { 'idempotency-key': key });
      const other = signupBody();
      const response = await signup(other, { 'idempotency-key': key });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
      expect((await rowsFor(other.signupId as string)).accounts).toEqual([]);
    });

    it('a malformed key is refused with 400', async () => {
      const response = await signup(signupBody(), { 'idempotency-key': 'has spaces in it' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    });
  });
});

describe('ACCT-1: signups are rate-limited per client', () => {
  let limited: Harness;

  beforeAll(async () => {
    limited = await createHarness({ rateLimit: { signupsPerClientPerHour: 2 } });
  });

  afterAll(async () => {
    await limited.close();
  });

  const from = (remoteAddress: string) =>
    limited.app.inject({
      method: 'POST',
      url: '/v1/signups',
      remoteAddress,
      headers: bearer(limited.keys.signup),
      payload: signupBody(),
    });

  it('ACCT-1: the third signup within the hour from one client is refused with 429', async () => {
    expect((await from('198.51.100.7')).statusCode).toBe(201);
    expect((await from('198.51.100.7')).statusCode).toBe(201);
    const third = await from('198.51.100.7');
    expect(third.statusCode).toBe(429);
    expect(third.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    expect(third.headers['retry-after']).toBeDefined();
    expect(third.json()).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(limited.gateway.openAccount).toHaveBeenCalledTimes(2);

    expect((await from('203.0.113.9')).statusCode).toBe(201);
  });
});

describe('ACCT-1: names are one line of text', () => {
  let t: Harness;

  beforeAll(async () => {
    t = await createHarness();
  });

  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['a NUL character', 'Ada\u0000Lovelace'],
    ['a line break', 'Ada\nLovelace'],
    ['a half surrogate', 'Ada \ud800'],
    ['a C1 control character', 'Ada\u0085Lovelace'],
  ])(
    'ACCT-1: a full name with %s is refused with 400 FULL_NAME_REQUIRED',
    async (_name, fullName) => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/signups',
        headers: { ...bearer(t.keys.signup), 'content-type': 'application/json' },
        payload: JSON.stringify(signupBody({ fullName })),
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'FULL_NAME_REQUIRED', clause: 'ACCT-1' });
    },
  );

  it('ACCT-1: names in any script, with accents and emoji, are accepted', async () => {
    for (const fullName of [
      'Žemyna Šimkutė',
      'Ștefan Năstase',
      'Анна Иванова',
      '李小龍',
      'Zoë 🙂 Ng',
    ]) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/signups',
        headers: bearer(t.keys.signup),
        payload: signupBody({ fullName }),
      });
      expect(response.statusCode).toBe(201);
    }
  });
});
