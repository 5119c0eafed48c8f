/**
 * PAY-9: corrections of the billing details on the latest invoice.
 *
 * Within 15 days of the latest invoice's issue time (inclusive: a request at exactly
 * 15 x 24 hours is accepted, one a millisecond later is not) a correction issues a credit note
 * cancelling that invoice and a corrected invoice with the new billing details: same lines,
 * amounts and tax, no new charge, paid by the same payment. Later requests are refused; the
 * new details, stored before the request reaches the workflow, go on the next invoice.
 *
 * The window runs from the issue time of the invoice that was charged: correcting a corrected
 * invoice again is possible, but never extends the window.
 */
import type { AccountEffect, AccountState, Decision, Refusal } from './account';
import { invoiceId } from './invoice';
import { addDays } from './periods';

export const CORRECTION_WINDOW_DAYS = 15;

/** The latest invoice issued to the account, as the workflow recorded it when it was paid. */
export interface LatestInvoice {
  readonly invoiceId: string;
  /** When the charged invoice was issued; a correction keeps this time. */
  readonly issuedAt: number;
}

export function creditNoteId(accountId: string, sequence: number): string {
  return `${accountId}-CN${String(sequence).padStart(4, '0')}`;
}

/** Why a correction asked for at `requestedAt` cannot be made, or null when it can. */
export function refuseCorrection(state: AccountState, requestedAt: number): Refusal | null {
  const latest = state.latestInvoice ?? null;
  if (latest === null) {
    return {
      code: 'NO_INVOICE_TO_CORRECT',
      message: 'No invoice has been issued yet; the billing details are kept for the first one.',
      clause: 'PAY-9',
    };
  }
  const closesAt = addDays(latest.issuedAt, CORRECTION_WINDOW_DAYS);
  if (requestedAt > closesAt) {
    return {
      code: 'BILLING_DETAILS_WINDOW_CLOSED',
      message:
        `The latest invoice was issued more than ${CORRECTION_WINDOW_DAYS} days ago ` +
        `(the window closed ${new Date(closesAt).toISOString()}), so it can no longer be ` +
        'corrected; the new billing details are kept and the next invoice carries them.',
      clause: 'PAY-9',
    };
  }
  return null;
}

/** PAY-9: a credit note for the latest invoice and a corrected invoice, with no new charge. */
export function onCorrectionRequested(state: AccountState, requestedAt: number): Decision {
  if (refuseCorrection(state, requestedAt)) return { state, effects: [] };
  const latest = state.latestInvoice!;
  const invoiceSequence = state.invoiceCount + 1;
  const creditNoteSequence = (state.creditNoteCount ?? 0) + 1;
  const corrected = invoiceId(state.accountId, invoiceSequence);
  const creditNote = creditNoteId(state.accountId, creditNoteSequence);
  const effects: AccountEffect[] = [
    {
      kind: 'issue_correction',
      cancelledInvoiceId: latest.invoiceId,
      creditNoteId: creditNote,
      correctedInvoiceId: corrected,
      idempotencyKey: `${creditNote}:correction`,
    },
    {
      kind: 'send_email',
      template: 'invoice_corrected',
      invoiceId: corrected,
      idempotencyKey: `${state.accountId}:email:${corrected}:corrected`,
    },
  ];
  return {
    state: {
      ...state,
      invoiceCount: invoiceSequence,
      creditNoteCount: creditNoteSequence,
      latestInvoice: { invoiceId: corrected, issuedAt: latest.issuedAt },
    },
    effects,
  };
}
