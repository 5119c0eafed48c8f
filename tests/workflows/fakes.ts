/** Activities for workflow tests: typed from the contract, recording what the workflow asked. */
import { ApplicationFailure } from '@temporalio/common';
import type { AuditActivities } from '../../activities/audit';
import type { BillingActivities } from '../../activities/contract';
import type { RetentionActivities } from '../../activities/retention-contract';
import type { PlanTerms } from '../../workflows/policy/catalog';
import type { TaxTreatment } from '../../workflows/policy/vat';

export const teamPlan: PlanTerms = {
  planId: 'team',
  name: 'Team',
  currency: 'USD',
  seatPrice: { monthly: 1900, annual: 18000 },
  trialDays: 14,
  minSeats: 1,
  maxSeats: 50,
};

/** A dearer plan, for upgrades. */
export const businessPlan: PlanTerms = {
  planId: 'business',
  name: 'Business',
  currency: 'USD',
  seatPrice: { monthly: 2900, annual: 27600 },
  trialDays: 14,
  minSeats: 2,
  maxSeats: 200,
};

const catalog: Record<string, PlanTerms> = { team: teamPlan, business: businessPlan };

/** A payment method id for which every charge is declined. */
export const DECLINING_CARD = 'pm_card_chargeDeclined';

type ChargeInput = Parameters<BillingActivities['chargeInvoice']>[0];
type EmailInput = Parameters<BillingActivities['sendEmail']>[0];
type EraseInput = Parameters<BillingActivities['eraseAccount']>[0];
type CorrectionInput = Parameters<BillingActivities['issueCorrection']>[0];

/** No billing details on file: no VAT (the default of every fake account). */
export const NO_DETAILS: TaxTreatment = {
  treatment: 'no_details',
  country: null,
  rateBasisPoints: 0,
};
type AuditInput = Parameters<AuditActivities['recordAuditEvent']>[0];
type PurgeInput = Parameters<RetentionActivities['purgeRetainedData']>[0];
type RetentionTimerInput = Parameters<RetentionActivities['startRetentionTimer']>[0];

export interface FakeActivities extends BillingActivities, AuditActivities, RetentionActivities {
  readonly charges: ChargeInput[];
  readonly emails: EmailInput[];
  readonly recorded: string[];
  readonly erasures: EraseInput[];
  readonly corrections: CorrectionInput[];
  /** The treatment the next snapshots return (PAY-10); the first snapshot per invoice wins. */
  treatment: TaxTreatment;
  readonly snapshots: Map<string, TaxTreatment>;
  readonly audits: AuditInput[];
  /** GDPR-4: retention timers an erasure asked for (the fake starts no workflow). */
  readonly retentionTimers: RetentionTimerInput[];
  /** GDPR-4: purges run by a retention workflow. */
  readonly purges: PurgeInput[];
}

export function fakeActivities(): FakeActivities {
  const charges: ChargeInput[] = [];
  const emails: EmailInput[] = [];
  const recorded: string[] = [];
  const erasures: EraseInput[] = [];
  const corrections: CorrectionInput[] = [];
  const snapshots = new Map<string, TaxTreatment>();
  const audits: AuditInput[] = [];
  const purges: PurgeInput[] = [];
  const retentionTimers: RetentionTimerInput[] = [];
  const fake: FakeActivities = {
    charges,
    emails,
    recorded,
    erasures,
    corrections,
    snapshots,
    treatment: NO_DETAILS,
    snapshotBillingDetails: ({ invoiceId }) => {
      if (!snapshots.has(invoiceId)) snapshots.set(invoiceId, fake.treatment);
      return Promise.resolve(snapshots.get(invoiceId)!);
    },
    issueCorrection: (input) => {
      if (!corrections.some((seen) => seen.creditNoteId === input.creditNoteId)) {
        corrections.push(input);
      }
      const n = String(corrections.length).padStart(6, '0');
      return Promise.resolve({ creditNoteNumber: `CN-2026-${n}`, invoiceNumber: `2026-9${n}` });
    },
    audits,
    purges,
    retentionTimers,
    startRetentionTimer: (input) => {
      retentionTimers.push(input);
      return Promise.resolve({ started: true });
    },
    purgeRetainedData: (input) => {
      purges.push(input);
      return Promise.resolve({ purgedAt: input.purgedAt, purged: {} });
    },
    loadPlan: ({ planId, currency }) => {
      const plan = catalog[planId];
      if (!plan) {
        return Promise.reject(
          ApplicationFailure.create({
            type: 'UNKNOWN_PLAN',
            message: `There is no plan "${planId}".`,
            nonRetryable: true,
          }),
        );
      }
      return Promise.resolve({ ...plan, currency });
    },
    loadHolidays: () => Promise.resolve([]),
    attachPaymentMethod: ({ accountId, paymentMethodId }) =>
      Promise.resolve({ customerId: `cus_${accountId}`, paymentMethodId }),
    chargeInvoice: (input) => {
      if (input.paymentMethodId === DECLINING_CARD) {
        return Promise.reject(
          ApplicationFailure.create({
            type: 'CARD_DECLINED',
            message: 'Your card was declined.',
            nonRetryable: true,
          }),
        );
      }
      charges.push(input);
      return Promise.resolve({ paymentId: `pi_${charges.length}` });
    },
    recordPaidInvoice: ({ invoice }) => {
      recorded.push(invoice.invoiceId);
      return Promise.resolve({ number: `2026-${String(recorded.length).padStart(6, '0')}` });
    },
    sendEmail: (input) => {
      emails.push(input);
      return Promise.resolve({ messageId: `<${input.idempotencyKey}@test>` });
    },
    eraseAccount: (input) => {
      erasures.push(input);
      return Promise.resolve({ erasedAt: input.erasedAt, erased: {} });
    },
    notifyAccountDeleted: () => Promise.resolve({ delivered: true }),
    recordAuditEvent: (input) => {
      audits.push(input);
      return Promise.resolve({ recorded: true });
    },
    publishAccount: () => Promise.resolve(),
  };
  return fake;
}
