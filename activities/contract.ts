/**
 * The activities the account workflow runs, by name and shape. Workflows import this file
 * for types only; `createActivities(deps)` in `index.ts` implements it.
 *
 * Every activity is idempotent by its `idempotencyKey` (or by the invoice id), so that
 * Temporal's at-least-once execution never charges, records or emails twice.
 * Business failures are thrown as non-retryable `ApplicationFailure`s with a `type`
 * (see `ActivityFailureType`); anything else is an infrastructure error and is retried.
 */
import type { AccountView, EmailTemplate } from '../workflows/policy/account';
import type { ErasureReason } from '../workflows/policy/lifecycle';
import type { PlanTerms } from '../workflows/policy/catalog';
import type { InvoiceDraft } from '../workflows/policy/invoice';
import type { Currency, Money } from '../workflows/policy/money';
import type { TaxTreatment } from '../workflows/policy/vat';

export type ActivityFailureType =
  | 'UNKNOWN_PLAN'
  | 'CURRENCY_NOT_OFFERED'
  | 'PAYMENT_METHOD_REJECTED'
  | 'CARD_DECLINED'
  /** sendEmail: the account has no owner contact (never created, or erased). */
  | 'CONTACT_NOT_FOUND'
  /** sendEmail: a receipt without its invoice, or a cancellation notice without its date. */
  | 'EMAIL_DATA_MISSING';

export interface BillingActivities {
  /** The plan's current terms from the catalog (data, not code: FREE-1). */
  loadPlan(input: { planId: string; currency: Currency }): Promise<PlanTerms>;

  /** The business-day holiday calendar (ISO dates) used by CAN-1. */
  loadHolidays(): Promise<string[]>;

  /**
   * Ensures the account's processor customer exists and attaches the payment method to it,
   * making it the default. Throws PAYMENT_METHOD_REJECTED if the processor refuses the token.
   */
  attachPaymentMethod(input: {
    accountId: string;
    paymentMethodId: string;
    idempotencyKey: string;
    /** Payment method types accepted (LTD-8: card and paypal); any other is rejected. */
    allowedTypes?: string[];
  }): Promise<{ customerId: string; paymentMethodId: string }>;

  /**
   * Charges the invoice total off-session. The idempotency key goes to the processor, so a
   * retry returns the first attempt's payment. Throws CARD_DECLINED on a decline.
   */
  chargeInvoice(input: {
    invoice: InvoiceDraft;
    customerId: string;
    paymentMethodId: string;
    idempotencyKey: string;
  }): Promise<{ paymentId: string }>;

  /**
   * Stores the paid invoice (numbered gap-free per year at first insert) and its payment in
   * one transaction. Idempotent by invoice id.
   */
  recordPaidInvoice(input: {
    invoice: InvoiceDraft;
    paymentId: string;
    idempotencyKey: string;
    paidAt: number;
  }): Promise<{ number: string }>;

  /**
   * PAY-10: copies the account's billing details as they are now (name, company, address,
   * country, VAT id; never the email) into the snapshot of this invoice, and returns only the
   * tax treatment they lead to. The first snapshot of an invoice wins: a retry or a later
   * attempt of the same invoice returns the stored treatment, whatever changed since.
   */
  snapshotBillingDetails(input: { accountId: string; invoiceId: string }): Promise<TaxTreatment>;

  /**
   * PAY-9: in one transaction, a credit note cancelling `cancelledInvoiceId` (numbered
   * `CN-YYYY-000001`, gap-free per year) and a corrected invoice `correctedInvoiceId` (numbered
   * like every invoice) with the same lines, amounts and tax, the billing details on file now
   * and the cancelled invoice's payment; nothing is charged. Idempotent by the credit note id.
   */
  issueCorrection(input: {
    accountId: string;
    cancelledInvoiceId: string;
    creditNoteId: string;
    correctedInvoiceId: string;
    idempotencyKey: string;
    issuedAt: number;
  }): Promise<{ creditNoteNumber: string; invoiceNumber: string }>;

  /** Sends one email to the account owner, at most once per idempotency key. */
  sendEmail(input: {
    accountId: string;
    template: EmailTemplate;
    idempotencyKey: string;
    invoiceId?: string;
    effectiveAt?: number;
    /** An amount the email announces (the new period price of a PAY-5 notice). */
    amount?: Money;
  }): Promise<{ messageId: string }>;

  /**
   * CAN-3 / INACT-2: erases, irreversibly, the personal data and content this platform holds
   * for the account (owner contact, processor customer link, API keys), keeps issued invoices
   * and payments, and records what was erased and when as an audit event. Idempotent by key:
   * a retry returns the first run's record.
   */
  eraseAccount(input: {
    accountId: string;
    reason: ErasureReason;
    idempotencyKey: string;
    erasedAt: number;
  }): Promise<ErasureRecord>;

  /**
   * CAN-3 / INACT-2: tells the product, by a signed webhook `account.deleted`, that the account
   * is erased. Fails until the product answers 2xx, so Temporal retries it until acknowledged.
   */
  notifyAccountDeleted(input: {
    accountId: string;
    reason: ErasureReason;
    erasedAt: number;
    idempotencyKey: string;
  }): Promise<{ delivered: boolean }>;

  /** Updates the accounts read model; older versions never overwrite newer ones. */
  publishAccount(input: { view: AccountView; version: number }): Promise<void>;
}

/** The audit record of an erasure: what was erased (rows per table) and when. */
export interface ErasureRecord {
  readonly erasedAt: number;
  readonly erased: Readonly<Record<string, number>>;
}
