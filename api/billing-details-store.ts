/**
 * Writing an account's billing details (LTD-7) and VAT id (PAY-10): personal data, kept in
 * Postgres only and read by activities when an invoice is issued. Shared by the coupon route
 * and the owner's billing routes.
 */
import type pg from 'pg';
import type { BillingDetails } from '../workflows/policy/billing-details';
import { normaliseVatId } from '../workflows/policy/vat';

export type BillingDetailsInput = BillingDetails & { readonly vatId?: string | null };

/** Stores (replaces) the account's billing details; false when there is no such account. */
export async function saveBillingDetails(
  pool: pg.Pool,
  accountId: string,
  details: BillingDetailsInput,
): Promise<boolean> {
  const value = (text: string | null | undefined) => {
    const trimmed = text?.trim() ?? '';
    return trimmed === '' ? null : trimmed;
  };
  const vatId = value(details.vatId);
  const saved = await pool.query(
    `INSERT INTO billing_details (account_id, full_name, email, company, street, city, postcode,
                                  country, state, company_code, trade_register_number, tax_code,
                                  vat_id)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
      WHERE EXISTS (SELECT 1 FROM accounts WHERE account_id = $1)
     ON CONFLICT (account_id) DO UPDATE SET
       full_name = EXCLUDED.full_name, email = EXCLUDED.email, company = EXCLUDED.company,
       street = EXCLUDED.street, city = EXCLUDED.city, postcode = EXCLUDED.postcode,
       country = EXCLUDED.country, state = EXCLUDED.state,
       company_code = EXCLUDED.company_code,
       trade_register_number = EXCLUDED.trade_register_number, tax_code = EXCLUDED.tax_code,
       vat_id = EXCLUDED.vat_id, updated_at = now()`,
    [
      accountId,
      value(details.fullName),
      value(details.email),
      value(details.company),
      value(details.street),
      value(details.city),
      value(details.postcode),
      value(details.country)?.toUpperCase() ?? null,
      value(details.state),
      value(details.companyCode),
      value(details.tradeRegisterNumber),
      value(details.taxCode),
      vatId === null ? null : normaliseVatId(vatId),
    ],
  );
  return saved.rowCount === 1;
}
