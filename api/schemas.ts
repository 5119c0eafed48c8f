/**
 * TypeBox schemas shared by the routes: requests, responses and the problem document.
 * The OpenAPI document is generated from these.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { AccountView, ChangeQuote, ChangeResult, CommandResult } from '../workflows/messages';
import { errorCodes } from './errors';
import { activityCategories, timelineKinds } from './timeline';
import { opsReasons } from '../workflows/policy/ops-actions';

/** A string that is one of `values`, typed as their union. */
const literals = <const T extends readonly string[]>(values: T, description?: string) =>
  Type.Enum(
    Object.fromEntries(values.map((value) => [value, value])) as { [K in T[number]]: K },
    description ? { description } : {},
  );

export const accountId = Type.String({
  pattern: '^acc_[0-9a-f]{24}$',
  description: 'Derived from the signup id: `acc_` + 24 hex digits',
  examples: ['acc_3f2a9c0d1e4b5a6978c0d1e2'],
});

export const AccountParams = Type.Object({ accountId }, { additionalProperties: false });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description:
        'Makes a retried POST safe: the first request acts, later ones with the same key and ' +
        'body get the same answer without acting again. Kept for 24 hours.',
    }),
  ),
});

export const Currency = literals(['USD', 'EUR']);
export const Cycle = literals(['monthly', 'annual']);
export const AccountStatus = literals(['trialing', 'active', 'suspended', 'cancelled', 'deleted']);
/** The read model's statuses: `pending` until the workflow publishes the account's state. */
export const readModelStatuses = [
  'pending',
  'trialing',
  'active',
  'suspended',
  'cancelled',
  'deleted',
] as const;
export const ReadModelStatus = literals(readModelStatuses);

const Instant = Type.String({ format: 'date-time' });
/** TERM-1: why the vendor suspends or terminates an account (a code, never free text). */
export const OpsReason = literals(opsReasons);
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Money = Type.Object({
  amount: Type.Integer({ description: 'Minor units (cents)' }),
  currency: Currency,
});

export const AccountViewSchema = Type.Object(
  {
    accountId: Type.String(),
    status: AccountStatus,
    suspensionReason: Nullable(
      literals([
        'trial_expired',
        'payment_failed',
        'billing_details_missing',
        'code_abuse',
        'ops_suspended',
      ]),
    ),
    planId: Type.String(),
    planName: Type.String(),
    seats: Type.Integer(),
    cycle: Cycle,
    periodPrice: Money,
    trialEndsAt: Nullable(Instant),
    currentPeriod: Nullable(Type.Object({ start: Instant, end: Instant })),
    nextDeadline: Nullable(
      Type.Object({
        at: Instant,
        action: literals([
          'end_trial',
          'renew',
          'retry_payment',
          'cancel',
          'coupon_invoice',
          'coupon_suspend',
          'warn_inactive',
          'delete_inactive',
          'erase',
          'ops_suspend',
          'ops_terminate',
        ]),
        description: Type.String(),
      }),
    ),
    hasPaymentMethod: Type.Boolean(),
    pendingCancellationAt: Nullable(Instant),
    cancelledAt: Nullable(Instant),
    pendingChange: Nullable(
      Type.Object(
        { planId: Type.String(), seats: Type.Integer(), cycle: Cycle, periodPrice: Money },
        { description: 'Terms that take effect at the next renewal (PAY-3)' },
      ),
    ),
    seatsInUse: Type.Integer({ description: 'Agent seats in use, as reported (PAY-4)' }),
    paymentFailedAt: Nullable(Instant),
    enterpriseReview: Nullable(
      Type.Object(
        { flaggedAt: Instant, reason: Type.String() },
        { description: 'PAY-6: flagged for sales review by reported usage; changes nothing' },
      ),
    ),
    sharedLoginSurchargePending: Type.Boolean({
      description: 'ACCT-2: a shared login will be surcharged on the next invoice',
    }),
    lastActivityAt: Instant,
    deletionDueAt: Nullable(Instant),
    erasedAt: Nullable(Instant),
    opsNotice: Nullable(
      Type.Object(
        {
          action: literals(['suspend', 'terminate']),
          reason: OpsReason,
          announcedAt: Instant,
          effectiveAt: Instant,
        },
        { description: 'TERM-1: a suspension or termination announced to the owner' },
      ),
    ),
    opsSuspension: Nullable(
      Type.Object(
        { reason: OpsReason, since: Instant },
        { description: 'TERM-1: suspended by the vendor (suspensionReason `ops_suspended`)' },
      ),
    ),
    termination: Nullable(
      Type.Object(
        { reason: OpsReason, at: Instant },
        { description: 'TERM-1: terminated by the vendor; the status is `cancelled`' },
      ),
    ),
  },
  { description: 'The account as its workflow sees it now' },
);

/** A command's result as the response carries it. */
export function commandResult(result: CommandResult): Static<typeof CommandResultSchema> {
  return { account: result.account, charged: [...result.charged] };
}

export const CommandResultSchema = Type.Object(
  {
    account: AccountViewSchema,
    charged: Type.Array(Type.Object({ invoiceId: Type.String(), amount: Money })),
  },
  { description: 'What an accepted command did: the account afterwards and what was charged' },
);

export const ChangeQuoteSchema = Type.Object(
  {
    kind: literals([
      'trial_change',
      'upgrade_prorated',
      'upgrade_next_renewal',
      'downgrade',
      'switch_to_annual',
      'switch_to_monthly',
      'cancel_pending_change',
    ]),
    effective: literals(['now', 'next_renewal']),
    clause: Type.String(),
    explanation: Type.String(),
    chargeNow: Money,
    nextInvoice: Nullable(Type.Object({ at: Instant, amount: Money })),
  },
  { description: 'What a plan, seat or cycle change does: charged now and the next invoice' },
);

export const ChangeResultSchema = Type.Object(
  {
    account: AccountViewSchema,
    charged: Type.Array(Type.Object({ invoiceId: Type.String(), amount: Money })),
    change: ChangeQuoteSchema,
  },
  { description: 'An accepted change: the account afterwards, what was charged, what it means' },
);

export function changeResult(result: ChangeResult): Static<typeof ChangeResultSchema> {
  return { account: result.account, charged: [...result.charged], change: result.change };
}

/** The schemas describe exactly the workflow's types: a change there fails the type check here. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Writable<T> = T extends readonly (infer U)[]
  ? Writable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Writable<T[K]> }
    : T;
const viewMatches: Same<Static<typeof AccountViewSchema>, Writable<AccountView>> = true;
const resultMatches: Same<Static<typeof CommandResultSchema>, Writable<CommandResult>> = true;
void viewMatches;
void resultMatches;
const quoteMatches: Same<Static<typeof ChangeQuoteSchema>, Writable<ChangeQuote>> = true;
void quoteMatches;

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'A URI naming the kind of problem' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: literals(Object.keys(errorCodes) as (keyof typeof errorCodes)[], 'Stable error code'),
    clause: Type.Optional(Type.String({ description: 'The clause of the terms that refused it' })),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({ location: Type.String(), pointer: Type.String(), message: Type.String() }),
      ),
    ),
  },
  { description: 'RFC 9457 problem details (application/problem+json)' },
);

const problemResponse = {
  description: 'A problem document (RFC 9457); `code` says which, `clause` which rule refused',
  content: { 'application/problem+json': { schema: ProblemSchema } },
};

/** Problem responses for the given statuses (and those every route can give). */
export function problems(...statuses: number[]): Record<number, typeof problemResponse> {
  const all = new Set([400, 401, 403, 429, 500, 503, ...statuses]);
  return Object.fromEntries([...all].map((status) => [status, problemResponse]));
}

export const AccountRowSchema = Type.Object({
  accountId: Type.String(),
  status: Type.String({ description: 'Read-model status; `pending` until first published' }),
  planId: Type.String(),
  seats: Type.Integer(),
  cycle: Type.String(),
  currency: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const InvoiceSchema = Type.Object({
  invoiceId: Type.String(),
  number: Type.String(),
  currency: Type.String(),
  periodStart: Instant,
  periodEnd: Instant,
  lines: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  subtotal: Type.Integer(),
  tax: Type.Integer(),
  total: Type.Integer(),
  status: Type.String(),
  issuedAt: Instant,
});

export const TimelineEntrySchema = Type.Object({
  eventId: Type.Integer(),
  time: Instant,
  kind: literals(timelineKinds),
  category: Nullable(literals(activityCategories)),
  name: Nullable(Type.String()),
  summary: Type.String(),
  cause: Nullable(Type.String()),
});
