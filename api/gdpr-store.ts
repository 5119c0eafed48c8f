/**
 * What the API reads and writes in Postgres for the data subject's rights (GDPR-2) and marketing
 * consent (GDPR-3): the export of everything held on the person, rectification of the owner's
 * contact, restriction of processing, consent history, and the log of every request with its
 * time and outcome (`gdpr_requests`, no personal data in it).
 *
 * An operation and the completion of its request are one transaction; a refused request is
 * recorded as refused, with its code, and nothing else is written.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Language } from './store';

export const gdprRequestKinds = [
  'access',
  'rectification',
  'erasure',
  'restriction',
  'unrestriction',
  'objection',
] as const;
export type GdprRequestKind = (typeof gdprRequestKinds)[number];
export type GdprRequester = 'owner' | 'support';
export const consentSources = ['signup_form', 'owner_api', 'objection'] as const;
export type ConsentSource = (typeof consentSources)[number];

/** The outcome of an operation: done (what was done, without values), or refused with a code. */
export type GdprOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly detail?: Record<string, unknown> }
  | { readonly ok: false; readonly code: string };

export interface GdprRequestRecord {
  readonly requestId: string;
  readonly kind: GdprRequestKind;
  readonly requestedBy: GdprRequester;
  readonly requestedAt: string;
  readonly completedAt: string | null;
  readonly outcome: 'completed' | 'refused' | null;
  readonly refusalCode: string | null;
  readonly detail: Record<string, unknown>;
}

export interface ConsentState {
  readonly granted: boolean;
  readonly source: string;
  readonly updatedAt: string;
}

export interface ContactChanges {
  readonly fullName?: string;
  readonly email?: string;
  readonly language?: Language;
}

type Row = Record<string, unknown>;

/** Everything held on the person behind an account, machine-readable (GDPR-2 access). */
export interface GdprExport {
  readonly exportedAt: string;
  readonly accountId: string;
  readonly account: Row;
  readonly contact: Row | null;
  readonly billingDetails: Row | null;
  readonly slug: string | null;
  readonly processorCustomer: Row | null;
  readonly apiKeys: Row[];
  readonly marketingConsent: { readonly current: Row | null; readonly history: Row[] };
  readonly processingRestriction: Row | null;
  readonly invoices: Row[];
  readonly payments: Row[];
  readonly creditNotes: Row[];
  readonly refunds: Row[];
  readonly emails: Row[];
  readonly couponRedemptions: Row[];
  readonly gdprRequests: Row[];
  readonly auditEvents: Row[];
}

export interface GdprStore {
  /** Opens a request record; null when there is no such account. */
  openRequest(
    accountId: string,
    kind: GdprRequestKind,
    requestedBy: GdprRequester,
  ): Promise<string | null>;
  /** Closes an open request record as completed or refused. */
  closeRequest(requestId: string, outcome: GdprOutcome<unknown>): Promise<void>;
  /**
   * Opens a request, runs `operation` in the same transaction, and closes the request with its
   * outcome; null when there is no such account. A refused operation must write nothing.
   */
  handle<T>(
    accountId: string,
    kind: GdprRequestKind,
    requestedBy: GdprRequester,
    operation: (client: pg.PoolClient, requestId: string) => Promise<GdprOutcome<T>>,
  ): Promise<{ readonly requestId: string; readonly outcome: GdprOutcome<T> } | null>;
  /** The read-model status of the account, or null when there is no such account. */
  accountStatus(accountId: string): Promise<string | null>;
  /** Everything held on the account's person, read through `client` (inside a request). */
  exportAccount(client: pg.PoolClient | pg.Pool, accountId: string): Promise<GdprExport>;
  /** GDPR-3: records a grant or revocation (history and current state, one transaction). */
  recordConsent(
    client: pg.PoolClient | pg.Pool,
    accountId: string,
    granted: boolean,
    source: ConsentSource,
    requestId?: string,
  ): Promise<ConsentState>;
  consent(accountId: string): Promise<ConsentState | null>;
  /** Runs `body` in a transaction. */
  transaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

const iso = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value);

/** A row with its instants as ISO strings and without the columns named in `omit`. */
function plain(row: Row, omit: readonly string[] = []): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (!omit.includes(key)) out[key] = iso(value);
  }
  return out;
}

export class PgGdprStore implements GdprStore {
  constructor(private readonly pool: pg.Pool) {}

  async transaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async openRequest(
    accountId: string,
    kind: GdprRequestKind,
    requestedBy: GdprRequester,
    client: pg.PoolClient | pg.Pool = this.pool,
  ): Promise<string | null> {
    const requestId = `gdpr_${randomUUID()}`;
    const inserted = await client.query(
      `INSERT INTO gdpr_requests (request_id, account_id, kind, requested_by)
       SELECT $1, account_id, $3, $4 FROM accounts WHERE account_id = $2`,
      [requestId, accountId, kind, requestedBy],
    );
    return inserted.rowCount === 1 ? requestId : null;
  }

  async closeRequest(
    requestId: string,
    outcome: GdprOutcome<unknown>,
    client: pg.PoolClient | pg.Pool = this.pool,
  ): Promise<void> {
    await client.query(
      `UPDATE gdpr_requests
          SET completed_at = clock_timestamp(), outcome = $2, refusal_code = $3, detail = $4
        WHERE request_id = $1 AND outcome IS NULL`,
      [
        requestId,
        outcome.ok ? 'completed' : 'refused',
        outcome.ok ? null : outcome.code,
        JSON.stringify(outcome.ok ? (outcome.detail ?? {}) : {}),
      ],
    );
  }

  async handle<T>(
    accountId: string,
    kind: GdprRequestKind,
    requestedBy: GdprRequester,
    operation: (client: pg.PoolClient, requestId: string) => Promise<GdprOutcome<T>>,
  ): Promise<{ readonly requestId: string; readonly outcome: GdprOutcome<T> } | null> {
    return this.transaction(async (client) => {
      // One request of an account at a time, so that checks and writes do not interleave.
      await client.query('SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE', [accountId]);
      const requestId = await this.openRequest(accountId, kind, requestedBy, client);
      if (requestId === null) return null;
      const outcome = await operation(client, requestId);
      await this.closeRequest(requestId, outcome, client);
      return { requestId, outcome };
    });
  }

  async accountStatus(accountId: string): Promise<string | null> {
    const found = await this.pool.query<{ status: string }>(
      'SELECT status FROM accounts WHERE account_id = $1',
      [accountId],
    );
    return found.rows[0]?.status ?? null;
  }

  recordConsent(
    client: pg.PoolClient | pg.Pool,
    accountId: string,
    granted: boolean,
    source: ConsentSource,
    requestId?: string,
  ): Promise<ConsentState> {
    return recordConsent(client, accountId, granted, source, requestId);
  }

  async consent(accountId: string): Promise<ConsentState | null> {
    const found = await this.pool.query<{ granted: boolean; source: string; updated_at: Date }>(
      'SELECT granted, source, updated_at FROM marketing_consents WHERE account_id = $1',
      [accountId],
    );
    const row = found.rows[0];
    return row
      ? { granted: row.granted, source: row.source, updatedAt: row.updated_at.toISOString() }
      : null;
  }

  async exportAccount(client: pg.PoolClient | pg.Pool, accountId: string): Promise<GdprExport> {
    const rows = async (sql: string, omit: readonly string[] = ['account_id']) =>
      (await client.query<Row>(sql, [accountId])).rows.map((row) => plain(row, omit));
    const one = async (sql: string, omit?: readonly string[]) => (await rows(sql, omit))[0] ?? null;
    const account = await one(
      `SELECT account_id, status, plan_id, seats, cycle, currency, created_at, updated_at
         FROM accounts WHERE account_id = $1`,
      [],
    );
    // Invoices whole, as stored (including any billing snapshot), with their payments.
    const invoices = (
      await client.query<{ invoice: Row }>(
        `SELECT to_jsonb(i) - 'account_id' AS invoice FROM invoices i
          WHERE i.account_id = $1 ORDER BY i.issued_at, i.invoice_id`,
        [accountId],
      )
    ).rows.map((row) => row.invoice);
    return {
      exportedAt: new Date().toISOString(),
      accountId,
      account: account ?? {},
      contact: await one(
        'SELECT full_name, email, language, age_confirmed_at, created_at FROM account_contacts WHERE account_id = $1',
      ),
      billingDetails: await one('SELECT * FROM billing_details WHERE account_id = $1'),
      slug:
        ((await one('SELECT slug FROM account_slugs WHERE account_id = $1'))?.slug as
          string | undefined) ?? null,
      processorCustomer: await one(
        'SELECT customer_id, created_at FROM processor_customers WHERE account_id = $1',
      ),
      // Keys themselves are never stored; their digests are credentials and stay out.
      apiKeys: await rows(
        `SELECT created_at, first_used_at, revoked_at FROM api_owner_keys
          WHERE account_id = $1 ORDER BY created_at`,
      ),
      marketingConsent: {
        current: await one(
          'SELECT granted, source, updated_at FROM marketing_consents WHERE account_id = $1',
        ),
        history: await rows(
          `SELECT granted, source, occurred_at, gdpr_request_id FROM marketing_consent_events
            WHERE account_id = $1 ORDER BY event_id`,
        ),
      },
      processingRestriction: await one(
        'SELECT restricted_at, gdpr_request_id FROM processing_restrictions WHERE account_id = $1',
      ),
      invoices,
      payments: await rows(
        `SELECT p.payment_id, p.invoice_id, p.processor_payment_id, p.amount, p.currency,
                p.paid_at
           FROM payments p JOIN invoices i USING (invoice_id)
          WHERE i.account_id = $1 ORDER BY p.paid_at, p.payment_id`,
      ),
      // PAY-9 credit notes and PAY-12 refunds: purchases and money returned are personal data too.
      creditNotes: await rows(
        `SELECT credit_note_id, number, invoice_id, currency, lines, subtotal, tax, total, reason,
                issued_at
           FROM credit_notes WHERE account_id = $1 ORDER BY issued_at, credit_note_id`,
      ),
      refunds: await rows(
        `SELECT refund_id, credit_id, processor_payment_id, remaining, amount, fee_retained,
                currency, clause, refunded_at
           FROM refunds WHERE account_id = $1 ORDER BY refunded_at, refund_id`,
      ),
      emails: await rows(
        `SELECT template, message_id, created_at, sent_at FROM email_outbox
          WHERE account_id = $1 ORDER BY created_at, idempotency_key`,
      ),
      couponRedemptions: await rows(
        `SELECT request_id, full_name, email, company, language, created_at
           FROM coupon_redemption_requests WHERE account_id = $1 ORDER BY created_at`,
      ),
      // This export's own request is among them, still open while it is being answered.
      gdprRequests: await rows(
        `SELECT request_id, kind, requested_by, requested_at, completed_at, outcome,
                refusal_code, detail
           FROM gdpr_requests WHERE account_id = $1 ORDER BY requested_at, request_id`,
      ),
      auditEvents: await rows(
        `SELECT kind, detail, occurred_at FROM audit_events
          WHERE account_id = $1 ORDER BY occurred_at, event_id`,
      ),
    };
  }
}

/**
 * GDPR-3: one grant or revocation of marketing consent: a history row and the current state,
 * on `client` (give it a transaction's client so both land together).
 */
export async function recordConsent(
  client: pg.PoolClient | pg.Pool,
  accountId: string,
  granted: boolean,
  source: ConsentSource,
  requestId?: string,
): Promise<ConsentState> {
  const event = await client.query<{ occurred_at: Date }>(
    `INSERT INTO marketing_consent_events (account_id, granted, source, gdpr_request_id)
     VALUES ($1, $2, $3, $4) RETURNING occurred_at`,
    [accountId, granted, source, requestId ?? null],
  );
  const at = event.rows[0].occurred_at;
  await client.query(
    `INSERT INTO marketing_consents (account_id, granted, source, updated_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (account_id) DO UPDATE
       SET granted = EXCLUDED.granted, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at`,
    [accountId, granted, source, at],
  );
  return { granted, source, updatedAt: at.toISOString() };
}
