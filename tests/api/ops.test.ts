import { randomUUID } from 'node:crypto';
import { accountView, notFound } from './support/fake-gateway';
import { accountHistory, planted } from './support/history';
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

const get = (url: string) => h.app.inject({ url, headers: bearer(h.keys.ops) });

interface Page {
  accounts: { accountId: string; status: string; createdAt: string }[];
  nextCursor: string | null;
}

describe('GET /v1/ops/accounts', () => {
  it('pages through the read model newest first, each account exactly once', async () => {
    const status = 'suspended';
    const mine: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const signed = await signUp(h);
      await h.pool.query('UPDATE accounts SET status = $2 WHERE account_id = $1', [
        signed.accountId,
        status,
      ]);
      mine.push(signed.accountId);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let previous: string | null = null;
    for (let pages = 0; pages < 10_000; pages += 1) {
      const query: string = `status=${status}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await get(`/v1/ops/accounts?${query}`);
      expect(response.statusCode).toBe(200);
      const page = response.json<Page>();
      expect(page.accounts.length).toBeLessThanOrEqual(2);
      for (const row of page.accounts) {
        expect(row.status).toBe(status);
        if (previous !== null) expect(row.createdAt <= previous).toBe(true);
        previous = row.createdAt;
        seen.push(row.accountId);
      }
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of mine) expect(seen).toContain(id);
    // Newest first: the last one created comes before the first one created.
    expect(seen.indexOf(mine[4])).toBeLessThan(seen.indexOf(mine[0]));
  });

  it('lists accounts with their read-model fields and no personal data', async () => {
    const response = await get('/v1/ops/accounts?status=pending&limit=200');
    expect(response.statusCode).toBe(200);
    const page = response.json<Page>();
    expect(page.accounts.length).toBeGreaterThan(0);
    expect(Object.keys(page.accounts[0]).sort()).toEqual(
      [
        'accountId',
        'createdAt',
        'currency',
        'cycle',
        'planId',
        'seats',
        'status',
        'updatedAt',
      ].sort(),
    );
    expect(response.body).not.toContain('@example.test');
    expect(response.body).not.toContain('Ada Lovelace');
  });

  const invalid: [string, string][] = [
    ['an unknown status', 'status=frozen'],
    ['a limit of 0', 'limit=0'],
    ['a limit above 200', 'limit=201'],
    ['a limit that is not a number', 'limit=ten'],
    ['an unknown parameter', 'sort=name'],
    ['a cursor with characters outside base64url', 'cursor=a%2Bb'],
  ];
  it.each(invalid)('%s is refused with 400 VALIDATION_FAILED', async (_name, query) => {
    const response = await get(`/v1/ops/accounts?${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('a cursor this API did not issue is refused with 400 INVALID_CURSOR', async () => {
    for (const cursor of [
      'abc',
      Buffer.from('["yesterday","acc_1"]').toString('base64url'),
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from('["2026-11-22T10:00:00.000000Z","acc\u0000"]').toString('base64url'),
      Buffer.from('["2026-13-45T10:00:00Z","acc_1"]').toString('base64url'),
    ]) {
      const response = await get(`/v1/ops/accounts?cursor=${cursor}`);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'INVALID_CURSOR' });
    }
  });
});

describe('GET /v1/ops/accounts/:accountId', () => {
  it('shows the read model, the live state and a link to the workflow in the Temporal UI', async () => {
    const response = await get(`/v1/ops/accounts/${account.accountId}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      account: expect.objectContaining({
        accountId: account.accountId,
        status: 'pending',
      }) as unknown,
      live: accountView(account.accountId),
      liveError: null,
      workflow: {
        workflowId: `account:${account.accountId}`,
        namespace: 'default',
        uiUrl: `http://temporal-ui.test:8233/namespaces/default/workflows/account%3A${account.accountId}`,
      },
    });
  });

  it('still shows the read model when the workflow cannot answer', async () => {
    h.gateway.state.mockRejectedValueOnce(new Error('deadline exceeded'));
    const response = await get(`/v1/ops/accounts/${account.accountId}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ live: null, liveError: 'UNAVAILABLE' });

    h.gateway.state.mockRejectedValueOnce(notFound(account.accountId));
    const missing = await get(`/v1/ops/accounts/${account.accountId}`);
    expect(missing.json()).toMatchObject({ live: null, liveError: 'ACCOUNT_NOT_FOUND' });
  });

  it('an account missing from the read model answers 404', async () => {
    const response = await get(`/v1/ops/accounts/acc_${'e'.repeat(24)}`);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
  });
});

describe('GET /v1/ops/accounts/:accountId/invoices', () => {
  it('lists the invoices of the account, oldest first', async () => {
    const signed = await signUp(h);
    const lines = [
      {
        description: 'Team plan, 3 seats, monthly',
        clause: 'PAY-1c',
        periodStart: Date.UTC(2026, 10, 22),
        periodEnd: Date.UTC(2026, 11, 22),
        quantity: 3,
        unitAmount: 1900,
        amount: 5700,
      },
    ];
    for (const [sequence, issued] of [
      [2, '2026-12-22T00:00:00Z'],
      [1, '2026-11-22T00:00:00Z'],
    ] as const) {
      await h.pool.query(
        `INSERT INTO invoices (invoice_id, account_id, number, currency, period_start, period_end,
                               lines, subtotal, tax, total, status, issued_at)
         VALUES ($1, $2, $3, 'USD', $4, $4::timestamptz + interval '1 month', $5, 5700, 0, 5700,
                 'paid', $4)`,
        [
          `${signed.accountId}-000${sequence}`,
          signed.accountId,
          `T-${randomUUID()}`,
          issued,
          JSON.stringify(lines),
        ],
      );
    }
    const response = await get(`/v1/ops/accounts/${signed.accountId}/invoices`);
    expect(response.statusCode).toBe(200);
    const body = response.json<{ accountId: string; invoices: Record<string, unknown>[] }>();
    expect(body.accountId).toBe(signed.accountId);
    expect(body.invoices.map((invoice) => invoice.invoiceId)).toEqual([
      `${signed.accountId}-0001`,
      `${signed.accountId}-0002`,
    ]);
    expect(body.invoices[0]).toMatchObject({
      currency: 'USD',
      periodStart: '2026-11-22T00:00:00.000Z',
      periodEnd: '2026-12-22T00:00:00.000Z',
      subtotal: 5700,
      tax: 0,
      total: 5700,
      status: 'paid',
      issuedAt: '2026-11-22T00:00:00.000Z',
      lines,
    });
  });

  it('an account without invoices has an empty list; an unknown one answers 404', async () => {
    expect((await get(`/v1/ops/accounts/${account.accountId}/invoices`)).json()).toEqual({
      accountId: account.accountId,
      invoices: [],
      creditNotes: [],
    });
    const missing = await get(`/v1/ops/accounts/acc_${'d'.repeat(24)}/invoices`);
    expect(missing.statusCode).toBe(404);
  });
});

describe('GET /v1/ops/accounts/:accountId/timeline', () => {
  it("turns the workflow's history into a readable timeline without payloads", async () => {
    h.gateway.history.mockResolvedValueOnce({ events: accountHistory(), nextPageToken: null });
    const response = await get(`/v1/ops/accounts/${account.accountId}/timeline`);
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      entries: { kind: string; category: string | null }[];
      nextPageToken: string | null;
      workflow: { uiUrl: string };
    }>();
    expect(body.nextPageToken).toBeNull();
    expect(body.workflow.uiUrl).toContain(`/workflows/account%3A${account.accountId}`);
    expect(body.entries.map((entry) => entry.kind)).toContain('update_accepted');
    expect(body.entries.filter((entry) => entry.category === 'charge')).toHaveLength(2);
    expect(response.body).not.toContain(planted.email);
    expect(response.body).not.toContain(planted.name);
    expect(h.gateway.history).toHaveBeenCalledWith(account.accountId, null);
  });

  it('pages with an opaque token that carries Temporal’s page token', async () => {
    const token = new Uint8Array([1, 2, 250, 251, 252]);
    h.gateway.history.mockResolvedValueOnce({ events: [], nextPageToken: token });
    const first = await get(`/v1/ops/accounts/${account.accountId}/timeline`);
    const { nextPageToken } = first.json<{ nextPageToken: string }>();
    expect(nextPageToken).toMatch(/^[A-Za-z0-9_-]+$/);

    await get(`/v1/ops/accounts/${account.accountId}/timeline?pageToken=${nextPageToken}`);
    const [, passed] = h.gateway.history.mock.calls[1];
    expect(passed && Array.from(passed)).toEqual(Array.from(token));
  });

  it('a malformed page token is refused with 400; an unknown account answers 404', async () => {
    const malformed = await get(`/v1/ops/accounts/${account.accountId}/timeline?pageToken=a%20b`);
    expect(malformed.statusCode).toBe(400);
    h.gateway.history.mockRejectedValueOnce(notFound(account.accountId));
    const missing = await get(`/v1/ops/accounts/${account.accountId}/timeline`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
  });
});
