/**
 * What the API reads and writes in Postgres: the signup transaction (account row, contact,
 * owner key), owner keys, Idempotency-Key records, and the read models ops look at.
 * The API writes no other table; the account workflow owns the read model after signup.
 */
import type pg from 'pg';
import type { Currency } from '../workflows/policy/money';
import { saveBillingDetails, type BillingDetailsInput } from './billing-details-store';
import type { Cycle } from '../workflows/policy/periods';
import { recordConsent } from './gdpr-store';

export type Language = 'en' | 'lt' | 'ro';

export interface SignupRecord {
  readonly signupId: string;
  readonly accountId: string;
  readonly planId: string;
  readonly seats: number;
  readonly cycle: Cycle;
  readonly currency: Currency;
  readonly fullName: string;
  readonly email: string;
  readonly language: Language;
  /** GDPR-3: marketing consent given on the signup form; absent means none. */
  readonly marketingConsent?: boolean;
}

export type SignupOutcome =
  | { readonly kind: 'created'; readonly status: string }
  | {
      readonly kind: 'repeated';
      readonly status: string;
      /** True when the unused owner key of the first response was replaced. */
      readonly keyReplaced: boolean;
    }
  | { readonly kind: 'conflict' };

export interface AccountRow {
  readonly accountId: string;
  readonly status: string;
  readonly planId: string;
  readonly seats: number;
  readonly cycle: string;
  readonly currency: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface InvoiceRow {
  readonly invoiceId: string;
  readonly number: string;
  readonly currency: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly lines: unknown;
  readonly subtotal: number;
  readonly tax: number;
  readonly total: number;
  readonly status: string;
  readonly issuedAt: string;
  /** PAY-10: the VAT treatment with its legal note; null before VAT applied. */
  readonly taxTreatment: Record<string, unknown> | null;
  /** PAY-9: the invoice a corrected invoice replaces. */
  readonly correctsInvoiceId: string | null;
}

/** PAY-9: a credit note cancelling one invoice in full (negative amounts). */
export interface CreditNoteRow {
  readonly creditNoteId: string;
  readonly number: string;
  readonly invoiceId: string;
  readonly currency: string;
  readonly lines: unknown;
  readonly subtotal: number;
  readonly tax: number;
  readonly total: number;
  readonly reason: string;
  readonly issuedAt: string;
}

export interface AccountCursor {
  readonly createdAt: string;
  readonly accountId: string;
}

export type IdempotencyClaim =
  | { readonly kind: 'new' }
  | { readonly kind: 'in_progress' }
  | { readonly kind: 'mismatch' }
  | {
      readonly kind: 'completed';
      readonly statusCode: number;
      readonly contentType: string;
      readonly body: string;
    };

export interface ApiStore {
  /**
   * In one transaction: the account row (status `pending` until the workflow publishes), the
   * owner's contact details and the digest of a new owner key. A repeat with the same details
   * replaces the owner key only if no key of the account was ever used.
   */
  recordSignup(signup: SignupRecord, ownerKeyDigest: string): Promise<SignupOutcome>;
  /** The account of a live owner key, marking the key used; null if unknown or revoked. */
  ownerKeyAccount(digestHex: string): Promise<string | null>;
  /** Revokes the account's owner keys and stores a new one; false if there is no account. */
  rotateOwnerKey(accountId: string, digestHex: string): Promise<boolean>;
  claimIdempotencyKey(scope: string, key: string, fingerprint: string): Promise<IdempotencyClaim>;
  completeIdempotencyKey(
    scope: string,
    key: string,
    response: { statusCode: number; contentType: string; body: string },
  ): Promise<void>;
  account(accountId: string): Promise<AccountRow | null>;
  listAccounts(query: {
    readonly status: string | null;
    readonly limit: number;
    readonly after: AccountCursor | null;
  }): Promise<AccountRow[]>;
  invoices(accountId: string): Promise<InvoiceRow[]>;
  /** PAY-9: the credit notes that cancelled the account's invoices, oldest first. */
  creditNotes(accountId: string): Promise<CreditNoteRow[]>;
  /** LTD-7, PAY-10: replaces the account's billing details; false if there is no account. */
  saveBillingDetails(accountId: string, details: BillingDetailsInput): Promise<boolean>;
  ping(): Promise<void>;
}

/** Idempotency-Key records older than this are forgotten: the key may be used afresh. */
const IDEMPOTENCY_TTL = '24 hours';

interface AccountDbRow {
  account_id: string;
  status: string;
  plan_id: string;
  seats: number;
  cycle: string;
  currency: string;
  created_at_exact: string;
  updated_at: Date;
}

function accountRow(row: AccountDbRow): AccountRow {
  return {
    accountId: row.account_id,
    status: row.status,
    planId: row.plan_id,
    seats: row.seats,
    cycle: row.cycle,
    currency: row.currency.trim(),
    createdAt: row.created_at_exact,
    updatedAt: row.updated_at.toISOString(),
  };
}

/** created_at to the microsecond, so that it can serve as a keyset cursor. */
const ACCOUNT_COLUMNS = `account_id, status, plan_id, seats, cycle, currency, updated_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_exact`;

export class PgStore implements ApiStore {
  constructor(private readonly pool: pg.Pool) {}

  async recordSignup(signup: SignupRecord, ownerKeyDigest: string): Promise<SignupOutcome> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const inserted = await client.query<{ status: string }>(
        `INSERT INTO accounts (account_id, signup_id, status, plan_id, seats, cycle, currency)
         VALUES ($1, $2, 'pending', $3, $4, $5, $6)
         ON CONFLICT (signup_id) DO NOTHING
         RETURNING status`,
        [
          signup.accountId,
          signup.signupId,
          signup.planId,
          signup.seats,
          signup.cycle,
          signup.currency,
        ],
      );
      let outcome: SignupOutcome;
      if (inserted.rowCount === 1) {
        await client.query(
          `INSERT INTO account_contacts (account_id, full_name, email, language, age_confirmed_at)
           VALUES ($1, $2, $3, $4, now())`,
          [signup.accountId, signup.fullName, signup.email, signup.language],
        );
        await client.query('INSERT INTO api_owner_keys (key_sha256, account_id) VALUES ($1, $2)', [
          ownerKeyDigest,
          signup.accountId,
        ]);
        if (signup.marketingConsent) {
          await recordConsent(client, signup.accountId, true, 'signup_form');
        }
        outcome = { kind: 'created', status: inserted.rows[0]?.status ?? 'pending' };
      } else {
        outcome = await this.repeatSignup(client, signup, ownerKeyDigest);
      }
      await client.query(outcome.kind === 'conflict' ? 'ROLLBACK' : 'COMMIT');
      return outcome;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async repeatSignup(
    client: pg.PoolClient,
    signup: SignupRecord,
    ownerKeyDigest: string,
  ): Promise<SignupOutcome> {
    // Lock the account so that concurrent repeats replace the owner key one at a time.
    const existing = await client.query<{
      account_id: string;
      status: string;
      plan_id: string;
      seats: number;
      cycle: string;
      currency: string;
      full_name: string | null;
      email: string | null;
      language: string | null;
    }>(
      `SELECT a.account_id, a.status, a.plan_id, a.seats, a.cycle, a.currency,
              c.full_name, c.email, c.language
         FROM accounts a LEFT JOIN account_contacts c USING (account_id)
        WHERE a.signup_id = $1
        FOR UPDATE OF a`,
      [signup.signupId],
    );
    const row = existing.rows[0];
    if (!row) throw new Error('signup row vanished between insert and select');
    const same =
      row.account_id === signup.accountId &&
      row.plan_id === signup.planId &&
      row.seats === signup.seats &&
      row.cycle === signup.cycle &&
      row.currency.trim() === signup.currency &&
      row.full_name === signup.fullName &&
      row.email === signup.email &&
      row.language === signup.language;
    if (!same) return { kind: 'conflict' };
    const keys = await client.query<{ used: boolean }>(
      `SELECT first_used_at IS NOT NULL AS used FROM api_owner_keys
        WHERE account_id = $1 AND revoked_at IS NULL`,
      [row.account_id],
    );
    const unused = keys.rows.length > 0 && keys.rows.every((key) => !key.used);
    if (unused) {
      await client.query(
        `UPDATE api_owner_keys SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL`,
        [row.account_id],
      );
      await client.query('INSERT INTO api_owner_keys (key_sha256, account_id) VALUES ($1, $2)', [
        ownerKeyDigest,
        row.account_id,
      ]);
    }
    return { kind: 'repeated', status: row.status, keyReplaced: unused };
  }

  async ownerKeyAccount(digestHex: string): Promise<string | null> {
    const found = await this.pool.query<{ account_id: string; first_used_at: Date | null }>(
      `SELECT account_id, first_used_at FROM api_owner_keys
        WHERE key_sha256 = $1 AND revoked_at IS NULL`,
      [digestHex],
    );
    const row = found.rows[0];
    if (!row) return null;
    if (row.first_used_at === null) {
      await this.pool.query(
        'UPDATE api_owner_keys SET first_used_at = now() WHERE key_sha256 = $1 AND first_used_at IS NULL',
        [digestHex],
      );
    }
    return row.account_id;
  }

  async rotateOwnerKey(accountId: string, digestHex: string): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const account = await client.query(
        'SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE',
        [accountId],
      );
      if (account.rowCount !== 1) {
        await client.query('ROLLBACK');
        return false;
      }
      await client.query(
        `UPDATE api_owner_keys SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL`,
        [accountId],
      );
      await client.query('INSERT INTO api_owner_keys (key_sha256, account_id) VALUES ($1, $2)', [
        digestHex,
        accountId,
      ]);
      await client.query('COMMIT');
      return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async claimIdempotencyKey(
    scope: string,
    key: string,
    fingerprint: string,
  ): Promise<IdempotencyClaim> {
    const claimed = await this.pool.query(
      `INSERT INTO api_idempotency_keys (scope, idempotency_key, fingerprint)
       VALUES ($1, $2, $3)
       ON CONFLICT (scope, idempotency_key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, status_code = NULL, content_type = NULL,
             body = NULL, created_at = now(), completed_at = NULL
         WHERE api_idempotency_keys.created_at < now() - interval '${IDEMPOTENCY_TTL}'
       RETURNING 1`,
      [scope, key, fingerprint],
    );
    if (claimed.rowCount === 1) return { kind: 'new' };
    const existing = await this.pool.query<{
      fingerprint: string;
      status_code: number | null;
      content_type: string | null;
      body: string | null;
    }>(
      `SELECT fingerprint, status_code, content_type, body FROM api_idempotency_keys
        WHERE scope = $1 AND idempotency_key = $2`,
      [scope, key],
    );
    const row = existing.rows[0];
    if (!row) return this.claimIdempotencyKey(scope, key, fingerprint);
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.status_code === null || row.content_type === null || row.body === null) {
      return { kind: 'in_progress' };
    }
    return {
      kind: 'completed',
      statusCode: row.status_code,
      contentType: row.content_type,
      body: row.body,
    };
  }

  async completeIdempotencyKey(
    scope: string,
    key: string,
    response: { statusCode: number; contentType: string; body: string },
  ): Promise<void> {
    await this.pool.query(
      `UPDATE api_idempotency_keys
          SET status_code = $3, content_type = $4, body = $5, completed_at = now()
        WHERE scope = $1 AND idempotency_key = $2 AND status_code IS NULL`,
      [scope, key, response.statusCode, response.contentType, response.body],
    );
  }

  async account(accountId: string): Promise<AccountRow | null> {
    const found = await this.pool.query<AccountDbRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE account_id = $1`,
      [accountId],
    );
    return found.rows[0] ? accountRow(found.rows[0]) : null;
  }

  async listAccounts(query: {
    readonly status: string | null;
    readonly limit: number;
    readonly after: AccountCursor | null;
  }): Promise<AccountRow[]> {
    // Newest first, keyset-paged on (created_at, account_id) so pages never skip or repeat.
    const found = await this.pool.query<AccountDbRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts
        WHERE ($1::text IS NULL OR status = $1)
          AND ($2::timestamptz IS NULL OR (created_at, account_id) < ($2::timestamptz, $3::text))
        ORDER BY created_at DESC, account_id DESC
        LIMIT $4`,
      [query.status, query.after?.createdAt ?? null, query.after?.accountId ?? null, query.limit],
    );
    return found.rows.map(accountRow);
  }

  async invoices(accountId: string): Promise<InvoiceRow[]> {
    const found = await this.pool.query<{
      invoice_id: string;
      number: string;
      currency: string;
      period_start: Date;
      period_end: Date;
      lines: unknown;
      subtotal: string;
      tax: string;
      total: string;
      status: string;
      issued_at: Date;
      tax_treatment: Record<string, unknown> | null;
      corrects_invoice_id: string | null;
    }>(
      `SELECT invoice_id, number, currency, period_start, period_end, lines, subtotal, tax,
              total, status, issued_at, tax_treatment, corrects_invoice_id
         FROM invoices WHERE account_id = $1 ORDER BY issued_at, invoice_id`,
      [accountId],
    );
    return found.rows.map((row) => ({
      invoiceId: row.invoice_id,
      number: row.number,
      currency: row.currency.trim(),
      periodStart: row.period_start.toISOString(),
      periodEnd: row.period_end.toISOString(),
      lines: row.lines,
      subtotal: Number(row.subtotal),
      tax: Number(row.tax),
      total: Number(row.total),
      status: row.status,
      issuedAt: row.issued_at.toISOString(),
      taxTreatment: row.tax_treatment,
      correctsInvoiceId: row.corrects_invoice_id,
    }));
  }

  async creditNotes(accountId: string): Promise<CreditNoteRow[]> {
    const found = await this.pool.query<{
      credit_note_id: string;
      number: string;
      invoice_id: string;
      currency: string;
      lines: unknown;
      subtotal: string;
      tax: string;
      total: string;
      reason: string;
      issued_at: Date;
    }>(
      `SELECT credit_note_id, number, invoice_id, currency, lines, subtotal, tax, total, reason,
              issued_at
         FROM credit_notes WHERE account_id = $1 ORDER BY issued_at, number`,
      [accountId],
    );
    return found.rows.map((row) => ({
      creditNoteId: row.credit_note_id,
      number: row.number,
      invoiceId: row.invoice_id,
      currency: row.currency.trim(),
      lines: row.lines,
      subtotal: Number(row.subtotal),
      tax: Number(row.tax),
      total: Number(row.total),
      reason: row.reason,
      issuedAt: row.issued_at.toISOString(),
    }));
  }

  saveBillingDetails(accountId: string, details: BillingDetailsInput): Promise<boolean> {
    return saveBillingDetails(this.pool, accountId, details);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
}
