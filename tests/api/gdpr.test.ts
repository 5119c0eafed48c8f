/**
 * GDPR-2 and GDPR-3 over HTTP against the real Postgres: export, rectification, erasure,
 * restriction, objection and consent, each recorded in `gdpr_requests` with its time, who asked
 * and its outcome; refusals are problem documents with codes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createStore } from '../../activities/store';
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

beforeAll(async () => {
  h = await createHarness();
});

afterAll(async () => {
  await h.close();
});

interface RequestRow {
  kind: string;
  requested_by: string;
  outcome: string | null;
  refusal_code: string | null;
  requested_at: Date;
  completed_at: Date | null;
  detail: Record<string, unknown>;
}

async function requests(accountId: string): Promise<RequestRow[]> {
  const found = await h.pool.query<RequestRow>(
    `SELECT kind, requested_by, outcome, refusal_code, requested_at, completed_at, detail
       FROM gdpr_requests WHERE account_id = $1 ORDER BY requested_at, request_id`,
    [accountId],
  );
  return found.rows;
}

function post(url: string, key: string, payload?: Record<string, unknown>) {
  return h.app.inject({
    method: 'POST',
    url,
    headers: bearer(key),
    ...(payload ? { payload } : {}),
  });
}

/** The person's data spread over every table that can hold it. */
async function personWithEverything(signed: SignedUp): Promise<{ unique: string }> {
  const { accountId } = signed;
  const unique = randomUUID().slice(0, 8);
  await h.pool.query(
    `INSERT INTO billing_details (account_id, full_name, email, company, street, city, postcode, country)
     VALUES ($1, 'Ada Lovelace', $2, 'Analytical Engines', $3, 'London', 'SW1Y 4JH', 'GB')`,
    [accountId, signed.body.email, `12 St James Square ${unique}`],
  );
  const store = createStore(h.pool);
  await store.saveCustomer(accountId, `cus_${unique}`);
  const periodStart = Date.UTC(2026, 10, 22, 10);
  await store.recordPaidInvoice({
    invoice: {
      invoiceId: `${accountId}-0001`,
      accountId,
      currency: 'USD',
      periodStart,
      periodEnd: periodStart + 30 * 86_400_000,
      lines: [
        {
          description: 'Team plan, 3 seats, monthly',
          clause: 'PAY-1c',
          periodStart,
          periodEnd: periodStart + 30 * 86_400_000,
          quantity: 3,
          unitAmount: 1900,
          amount: 5700,
        },
      ],
      subtotal: 5700,
      tax: 0,
      total: 5700,
    },
    processorPaymentId: `pi_${unique}`,
    idempotencyKey: `${accountId}-0001:charge:1`,
    paidAt: periodStart,
  });
  await store.claimEmail({
    idempotencyKey: `${accountId}:email:receipt`,
    accountId,
    template: 'receipt',
    messageId: `<${unique}@billing.example>`,
  });
  const codeHash = createHash('sha256').update(`EXPORT-${unique}`).digest('hex');
  await h.pool.query(
    `INSERT INTO coupon_campaigns (campaign_id, plan_id, currency, included_seats,
                                   one_time_price, extra_seat_price, redeem_by)
     VALUES ($1, 'all-inclusive', 'USD', 2, 5900, 3900, '2019-11-30T23:59:59Z')`,
    [`export-${unique}`],
  );
  await h.pool.query(
    `INSERT INTO coupon_codes (code_hash, campaign_id, redeemed_account_id) VALUES ($1, $2, $3)`,
    [codeHash, `export-${unique}`, accountId],
  );
  await h.pool.query(
    `INSERT INTO coupon_redemption_requests
       (request_id, code_hash, full_name, email, company, owner_key_sha256, account_id)
     VALUES ($1, $2, 'Ada Lovelace', $3, 'Analytical Engines', $4, $5)`,
    [`redeem-${unique}`, codeHash, signed.body.email, 'b'.repeat(64), accountId],
  );
  return { unique };
}

describe('export (access, portability)', () => {
  test('GDPR-2: export returns everything held on the person as JSON, and the request is recorded', async () => {
    const signed = await signUp(h, { marketingConsent: true, language: 'lt' });
    const { accountId } = signed;
    const { unique } = await personWithEverything(signed);

    const response = await h.app.inject({
      url: `/v1/accounts/${accountId}/gdpr/export`,
      headers: bearer(signed.ownerKey),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const data = response.json<Record<string, unknown>>();
    expect(data).toMatchObject({
      accountId,
      account: { account_id: accountId, plan_id: 'team', seats: 3 },
      contact: { full_name: 'Ada Lovelace', email: signed.body.email, language: 'lt' },
      billingDetails: { street: `12 St James Square ${unique}`, country: 'GB' },
      processorCustomer: { customer_id: `cus_${unique}` },
      apiKeys: [expect.objectContaining({ revoked_at: null })],
      marketingConsent: {
        current: { granted: true, source: 'signup_form' },
        history: [expect.objectContaining({ granted: true, source: 'signup_form' })],
      },
      processingRestriction: null,
      invoices: [
        expect.objectContaining({
          invoice_id: `${accountId}-0001`,
          total: 5700,
          lines: [expect.objectContaining({ amount: 5700 })],
        }),
      ],
      payments: [
        expect.objectContaining({
          invoice_id: `${accountId}-0001`,
          processor_payment_id: `pi_${unique}`,
        }),
      ],
      creditNotes: [],
      refunds: [],
      emails: [
        {
          template: 'receipt',
          message_id: `<${unique}@billing.example>`,
          created_at: expect.any(String) as unknown,
          sent_at: null,
        },
      ],
      couponRedemptions: [
        expect.objectContaining({ request_id: `redeem-${unique}`, email: signed.body.email }),
      ],
      gdprRequests: [expect.objectContaining({ kind: 'access', outcome: null })],
    });
    // Key digests are credentials: never exported.
    expect(response.body).not.toMatch(/[0-9a-f]{64}/);

    const [recorded] = await requests(accountId);
    expect(recorded).toMatchObject({
      kind: 'access',
      requested_by: 'owner',
      outcome: 'completed',
      refusal_code: null,
      detail: { invoices: 1 },
    });
    expect(recorded?.completed_at?.getTime()).toBeGreaterThanOrEqual(
      recorded?.requested_at.getTime() ?? Infinity,
    );
  });

  test('GDPR-2: support exports on the person’s behalf; ops may not; an unknown account is 404', async () => {
    const signed = await signUp(h);
    const bySupport = await h.app.inject({
      url: `/v1/accounts/${signed.accountId}/gdpr/export`,
      headers: bearer(h.keys.support),
    });
    expect(bySupport.statusCode).toBe(200);
    expect(await requests(signed.accountId)).toEqual([
      expect.objectContaining({ kind: 'access', requested_by: 'support', outcome: 'completed' }),
    ]);
    const byOps = await h.app.inject({
      url: `/v1/accounts/${signed.accountId}/gdpr/export`,
      headers: bearer(h.keys.ops),
    });
    expect(byOps.statusCode).toBe(403);
    const unknown = await h.app.inject({
      url: '/v1/accounts/acc_000000000000000000000000/gdpr/export',
      headers: bearer(h.keys.support),
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
  });
});

describe('rectification', () => {
  test('GDPR-2: rectify corrects the owner’s name, email and language everywhere they are held, recorded without the values', async () => {
    const signed = await signUp(h);
    await personWithEverything(signed);
    const email = `ada.king.${randomUUID().slice(0, 8)}@example.test`;
    const response = await post(`/v1/accounts/${signed.accountId}/gdpr/rectify`, signed.ownerKey, {
      fullName: '  Augusta Ada King  ',
      email,
      language: 'ro',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      outcome: 'completed',
      rectified: ['fullName', 'email', 'language'],
    });
    const contact = await h.pool.query(
      'SELECT full_name, email, language FROM account_contacts WHERE account_id = $1',
      [signed.accountId],
    );
    expect(contact.rows).toEqual([{ full_name: 'Augusta Ada King', email, language: 'ro' }]);
    const redemption = await h.pool.query(
      'SELECT full_name, email FROM coupon_redemption_requests WHERE account_id = $1',
      [signed.accountId],
    );
    expect(redemption.rows).toEqual([{ full_name: 'Augusta Ada King', email }]);
    const [recorded] = await requests(signed.accountId);
    expect(recorded).toMatchObject({
      kind: 'rectification',
      requested_by: 'owner',
      outcome: 'completed',
      detail: { fields: ['fullName', 'email', 'language'] },
    });
    expect(JSON.stringify(recorded)).not.toContain(email);
  });

  test('GDPR-2: a rectified email is validated as at signup (ACCT-1); an empty request is refused', async () => {
    const signed = await signUp(h);
    const bad = await post(`/v1/accounts/${signed.accountId}/gdpr/rectify`, signed.ownerKey, {
      email: 'not-an-address',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    expect(bad.json()).toMatchObject({ code: 'INVALID_EMAIL', clause: 'ACCT-1' });
    const badName = await post(`/v1/accounts/${signed.accountId}/gdpr/rectify`, signed.ownerKey, {
      fullName: 'Ada\nLovelace',
    });
    expect(badName.json()).toMatchObject({ code: 'FULL_NAME_REQUIRED' });
    const empty = await post(`/v1/accounts/${signed.accountId}/gdpr/rectify`, signed.ownerKey, {});
    expect(empty.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  test('GDPR-2: rectifying an erased account is refused with PERSONAL_DATA_ERASED and recorded as refused', async () => {
    const signed = await signUp(h);
    await h.pool.query('DELETE FROM account_contacts WHERE account_id = $1', [signed.accountId]);
    const response = await post(`/v1/accounts/${signed.accountId}/gdpr/rectify`, h.keys.support, {
      language: 'lt',
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'PERSONAL_DATA_ERASED', clause: 'GDPR-2' });
    expect(await requests(signed.accountId)).toEqual([
      expect.objectContaining({
        kind: 'rectification',
        requested_by: 'support',
        outcome: 'refused',
        refusal_code: 'PERSONAL_DATA_ERASED',
      }),
    ]);
  });
});

describe('erasure', () => {
  test('GDPR-2: erase asks the account workflow to stop and erase now, and records the outcome', async () => {
    const signed = await signUp(h);
    const response = await post(`/v1/accounts/${signed.accountId}/gdpr/erase`, signed.ownerKey);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      outcome: 'completed',
      alreadyErased: false,
      account: { status: 'deleted' },
    });
    expect(h.gateway.eraseOnRequest).toHaveBeenCalledWith(
      signed.accountId,
      expect.stringMatching(/^gdpr\.erase:/),
    );
    expect(await requests(signed.accountId)).toEqual([
      expect.objectContaining({ kind: 'erasure', requested_by: 'owner', outcome: 'completed' }),
    ]);
  });

  test('GDPR-2: an erasure the workflow refuses is answered with its problem and recorded as refused', async () => {
    const signed = await signUp(h);
    h.gateway.eraseOnRequest.mockRejectedValueOnce(
      refusal('ACCOUNT_CLOSED', 'The account has ended (CAN-2)'),
    );
    const response = await post(`/v1/accounts/${signed.accountId}/gdpr/erase`, h.keys.support);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'ACCOUNT_CLOSED' });
    expect(await requests(signed.accountId)).toEqual([
      expect.objectContaining({
        kind: 'erasure',
        requested_by: 'support',
        outcome: 'refused',
        refusal_code: 'ACCOUNT_CLOSED',
      }),
    ]);
  });

  test('GDPR-2: erasing an account already erased completes without asking the workflow again', async () => {
    const signed = await signUp(h);
    await h.pool.query("UPDATE accounts SET status = 'deleted' WHERE account_id = $1", [
      signed.accountId,
    ]);
    h.gateway.eraseOnRequest.mockClear();
    const response = await post(`/v1/accounts/${signed.accountId}/gdpr/erase`, h.keys.support);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ alreadyErased: true, account: null });
    expect(h.gateway.eraseOnRequest).not.toHaveBeenCalled();
    expect(await requests(signed.accountId)).toEqual([
      expect.objectContaining({
        kind: 'erasure',
        outcome: 'completed',
        detail: { alreadyErased: true },
      }),
    ]);
  });
});

describe('restriction and objection', () => {
  test('GDPR-2: restrict stops marketing whatever the consent; unrestrict lifts it; both recorded', async () => {
    const signed = await signUp(h, { marketingConsent: true });
    const store = createStore(h.pool);
    expect(await store.marketingAllowed(signed.accountId)).toBe(true);

    const restricted = await post(
      `/v1/accounts/${signed.accountId}/gdpr/restrict`,
      signed.ownerKey,
    );
    expect(restricted.statusCode).toBe(200);
    expect(restricted.json()).toMatchObject({ outcome: 'completed', restricted: true });
    expect(await store.marketingAllowed(signed.accountId)).toBe(false);
    // Restricting again changes nothing; it is still recorded.
    const again = await post(`/v1/accounts/${signed.accountId}/gdpr/restrict`, signed.ownerKey);
    const first = restricted.json<{ restrictedAt: string }>();
    expect(again.json()).toMatchObject({ restrictedAt: first.restrictedAt });

    const lifted = await post(`/v1/accounts/${signed.accountId}/gdpr/unrestrict`, h.keys.support);
    expect(lifted.json()).toMatchObject({ restricted: false, restrictedAt: null });
    expect(await store.marketingAllowed(signed.accountId)).toBe(true);

    expect(await requests(signed.accountId)).toEqual([
      expect.objectContaining({
        kind: 'restriction',
        outcome: 'completed',
        detail: { alreadyRestricted: false },
      }),
      expect.objectContaining({
        kind: 'restriction',
        outcome: 'completed',
        detail: { alreadyRestricted: true },
      }),
      expect.objectContaining({
        kind: 'unrestriction',
        requested_by: 'support',
        outcome: 'completed',
        detail: { wasRestricted: true },
      }),
    ]);
  });

  test('GDPR-2: restricting a deleted account is refused and recorded as refused', async () => {
    const signed = await signUp(h);
    await h.pool.query("UPDATE accounts SET status = 'deleted' WHERE account_id = $1", [
      signed.accountId,
    ]);
    const response = await post(`/v1/accounts/${signed.accountId}/gdpr/restrict`, h.keys.support);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'PERSONAL_DATA_ERASED' });
    expect(await requests(signed.accountId)).toEqual([
      expect.objectContaining({
        kind: 'restriction',
        outcome: 'refused',
        refusal_code: 'PERSONAL_DATA_ERASED',
      }),
    ]);
    const consent = await h.pool.query(
      'SELECT 1 FROM processing_restrictions WHERE account_id = $1',
      [signed.accountId],
    );
    expect(consent.rowCount).toBe(0);
  });

  test('GDPR-2, GDPR-3: an objection withdraws marketing consent at once, with source objection, and is recorded', async () => {
    const signed = await signUp(h, { marketingConsent: true });
    const response = await post(`/v1/accounts/${signed.accountId}/gdpr/object`, h.keys.support);
    expect(response.statusCode).toBe(200);
    const body = response.json<{ requestId: string; marketingConsent: unknown }>();
    expect(body).toMatchObject({
      outcome: 'completed',
      marketingConsent: { granted: false, source: 'objection' },
    });
    expect(await createStore(h.pool).marketingAllowed(signed.accountId)).toBe(false);
    const history = await h.pool.query(
      `SELECT granted, source, gdpr_request_id FROM marketing_consent_events
        WHERE account_id = $1 ORDER BY event_id`,
      [signed.accountId],
    );
    expect(history.rows).toEqual([
      { granted: true, source: 'signup_form', gdpr_request_id: null },
      { granted: false, source: 'objection', gdpr_request_id: body.requestId },
    ]);
    expect(await requests(signed.accountId)).toEqual([
      expect.objectContaining({ kind: 'objection', requested_by: 'support', outcome: 'completed' }),
    ]);
  });
});

describe('marketing consent', () => {
  test('GDPR-3: signup records consent only when given; old clients that send nothing give none', async () => {
    const without = await signUp(h);
    const declined = await signUp(h, { marketingConsent: false });
    const given = await signUp(h, { marketingConsent: true });
    const rows = await h.pool.query<{ account_id: string; granted: boolean; source: string }>(
      `SELECT account_id, granted, source FROM marketing_consents WHERE account_id = ANY($1)`,
      [[without.accountId, declined.accountId, given.accountId]],
    );
    expect(rows.rows).toEqual([
      { account_id: given.accountId, granted: true, source: 'signup_form' },
    ]);
  });

  test('GDPR-3: the owner grants and withdraws consent, each recorded with its time and source', async () => {
    const signed = await signUp(h);
    const granted = await post(
      `/v1/accounts/${signed.accountId}/marketing-consent`,
      signed.ownerKey,
      {
        marketing: true,
      },
    );
    expect(granted.statusCode).toBe(200);
    expect(granted.json()).toMatchObject({
      marketingConsent: {
        granted: true,
        source: 'owner_api',
        updatedAt: expect.any(String) as unknown,
      },
    });
    const withdrawn = await post(
      `/v1/accounts/${signed.accountId}/marketing-consent`,
      signed.ownerKey,
      {
        marketing: false,
      },
    );
    expect(withdrawn.json()).toMatchObject({ marketingConsent: { granted: false } });
    expect(await createStore(h.pool).marketingAllowed(signed.accountId)).toBe(false);
    const history = await h.pool.query(
      'SELECT granted, source FROM marketing_consent_events WHERE account_id = $1 ORDER BY event_id',
      [signed.accountId],
    );
    expect(history.rows).toEqual([
      { granted: true, source: 'owner_api' },
      { granted: false, source: 'owner_api' },
    ]);
    const bySupport = await post(
      `/v1/accounts/${signed.accountId}/marketing-consent`,
      h.keys.support,
      {
        marketing: true,
      },
    );
    expect(bySupport.statusCode).toBe(403);
  });
});
