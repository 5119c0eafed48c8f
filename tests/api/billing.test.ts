/**
 * The owner's billing details and VAT id (PAY-10) and corrections (PAY-9) through the API,
 * with a fake workflow gateway and the real Postgres.
 */
import { randomUUID } from 'node:crypto';
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
let owner: SignedUp;

beforeAll(async () => {
  h = await createHarness();
});

afterAll(async () => {
  await h.close();
});

beforeEach(async () => {
  jest.clearAllMocks();
  owner = await signUp(h);
});

const details = {
  fullName: 'Greta Muster',
  email: 'greta@example.test',
  company: 'Muster GmbH',
  street: 'Hauptstr. 1',
  city: 'Berlin',
  postcode: '10115',
  country: 'DE',
};

function post(path: string, payload: Record<string, unknown>) {
  return h.app.inject({
    method: 'POST',
    url: `/v1/accounts/${owner.accountId}${path}`,
    headers: { ...bearer(owner.ownerKey), 'idempotency-key': randomUUID() },
    payload,
  });
}

async function stored(): Promise<{ company: string; vat_id: string | null } | undefined> {
  const found = await h.pool.query<{ company: string; vat_id: string | null }>(
    'SELECT company, vat_id FROM billing_details WHERE account_id = $1',
    [owner.accountId],
  );
  return found.rows[0];
}

function expectProblem(
  response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown },
  status: number,
  code: string,
  clause: string,
): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
  expect(response.json()).toMatchObject({ status, code, clause });
}

describe('POST /v1/accounts/:accountId/billing-profile', () => {
  it('PAY-10: stores the details with the VAT id normalised, for the next invoices; the workflow hears nothing', async () => {
    const response = await post('/billing-profile', { ...details, vatId: 'de 123 456 789' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      accountId: owner.accountId,
      vatId: 'DE123456789',
      appliesTo: 'next_invoice',
    });
    expect(await stored()).toEqual({ company: 'Muster GmbH', vat_id: 'DE123456789' });
    expect(h.gateway.correctBillingDetails).not.toHaveBeenCalled();

    // Without an id the stored one is removed: the next invoice is taxed as a consumer's.
    expect((await post('/billing-profile', details)).statusCode).toBe(200);
    expect((await stored())?.vat_id).toBeNull();
  });

  it.each([
    ['DE12345', 'DE'],
    ['FR12345678901', 'DE'],
    ['GB123456789', 'GB'],
  ])('PAY-10: refuses the VAT id %s for %s and stores nothing', async (vatId, country) => {
    const payload = { ...details, country, vatId };
    const response = await post('/billing-profile', payload);
    expectProblem(response, 422, 'INVALID_VAT_ID', 'PAY-10');
    expect(await stored()).toBeUndefined();
  });

  it('LTD-7: incomplete details are refused with the fields the country requires', async () => {
    const response = await post('/billing-profile', { ...details, country: 'LT' });
    expectProblem(response, 422, 'BILLING_DETAILS_INCOMPLETE', 'LTD-7');
    expect(await stored()).toBeUndefined();
  });
});

describe('POST /v1/accounts/:accountId/billing-profile/correction', () => {
  it('PAY-9: stores the new details and asks the workflow to correct; nothing is charged', async () => {
    const response = await post('/billing-profile/correction', {
      ...details,
      company: 'Neu GmbH',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ charged: unknown[] }>().charged).toEqual([]);
    expect(h.gateway.correctBillingDetails).toHaveBeenCalledWith(
      owner.accountId,
      expect.any(String),
    );
    expect((await stored())?.company).toBe('Neu GmbH');
  });

  it('PAY-9: after 15 days it is refused with BILLING_DETAILS_WINDOW_CLOSED, and the details are kept for the next invoice', async () => {
    h.gateway.correctBillingDetails.mockRejectedValueOnce(
      refusal(
        'BILLING_DETAILS_WINDOW_CLOSED',
        'The latest invoice was issued more than 15 days ago … (PAY-9)',
      ),
    );
    const response = await post('/billing-profile/correction', {
      ...details,
      company: 'Spät GmbH',
      vatId: 'DE123456789',
    });
    expectProblem(response, 409, 'BILLING_DETAILS_WINDOW_CLOSED', 'PAY-9');
    expect(await stored()).toEqual({ company: 'Spät GmbH', vat_id: 'DE123456789' });
  });

  it('PAY-9: an invalid VAT id refuses the correction before the workflow hears of it', async () => {
    const response = await post('/billing-profile/correction', { ...details, vatId: 'DE1' });
    expectProblem(response, 422, 'INVALID_VAT_ID', 'PAY-10');
    expect(h.gateway.correctBillingDetails).not.toHaveBeenCalled();
  });
});

describe('GET /v1/ops/accounts/:accountId/invoices', () => {
  it('PAY-9: lists the credit note beside the cancelled and the corrected invoice', async () => {
    const lines = [
      {
        description: 'Team plan, 2 seats, monthly',
        clause: 'PAY-1c',
        periodStart: Date.UTC(2026, 10, 1),
        periodEnd: Date.UTC(2026, 11, 1),
        quantity: 2,
        unitAmount: 1900,
        amount: 3800,
      },
    ];
    const treatment = { treatment: 'eu_consumer', country: 'DE', rateBasisPoints: 1900 };
    const id = owner.accountId;
    await h.pool.query(
      `INSERT INTO invoices (invoice_id, account_id, number, currency, period_start, period_end,
                             lines, subtotal, tax, total, status, issued_at, tax_treatment,
                             corrects_invoice_id)
       VALUES ($1, $2, $3, 'EUR', '2026-11-01', '2026-12-01', $4, 3800, 722, 4522, 'credited',
               '2026-11-01', $5, NULL),
              ($6, $2, $7, 'EUR', '2026-11-01', '2026-12-01', $4, 3800, 722, 4522, 'paid',
               '2026-11-10', $5, $1)`,
      [
        `${id}-0001`,
        id,
        `T-${randomUUID()}`,
        JSON.stringify(lines),
        JSON.stringify(treatment),
        `${id}-0002`,
        `T-${randomUUID()}`,
      ],
    );
    const creditNumber = `CN-T-${randomUUID()}`;
    await h.pool.query(
      `INSERT INTO credit_notes (credit_note_id, account_id, number, invoice_id, idempotency_key,
                                 currency, lines, subtotal, tax, total, reason, issued_at)
       VALUES ($1, $2, $3, $4, $5, 'EUR', $6, -3800, -722, -4522, 'corrected (PAY-9)',
               '2026-11-10')`,
      [
        `${id}-CN0001`,
        id,
        creditNumber,
        `${id}-0001`,
        `${id}-CN0001:correction`,
        JSON.stringify([{ ...lines[0], amount: -3800, unitAmount: -1900 }]),
      ],
    );
    const response = await h.app.inject({
      url: `/v1/ops/accounts/${id}/invoices`,
      headers: bearer(h.keys.ops),
    });
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      invoices: Record<string, unknown>[];
      creditNotes: Record<string, unknown>[];
    }>();
    expect(body.invoices).toEqual([
      expect.objectContaining({
        invoiceId: `${id}-0001`,
        status: 'credited',
        tax: 722,
        total: 4522,
        taxTreatment: treatment,
        correctsInvoiceId: null,
      }),
      expect.objectContaining({
        invoiceId: `${id}-0002`,
        status: 'paid',
        correctsInvoiceId: `${id}-0001`,
      }),
    ]);
    expect(body.creditNotes).toEqual([
      {
        creditNoteId: `${id}-CN0001`,
        number: creditNumber,
        invoiceId: `${id}-0001`,
        currency: 'EUR',
        lines: [expect.objectContaining({ amount: -3800 })],
        subtotal: -3800,
        tax: -722,
        total: -4522,
        reason: 'corrected (PAY-9)',
        issuedAt: '2026-11-10T00:00:00.000Z',
      },
    ]);
  });
});
