/**
 * TERM-1: the vendor suspends or terminates an account, and lifts its own suspensions.
 *
 * Ops (or support) name a stable reason code, never free text: a staff note can hold personal
 * data and has no place in a workflow history. Unless marked urgent, the owner is warned by
 * email and the action takes effect `TERM_NOTICE_DAYS` later; an urgent action takes effect at
 * once. A suspension is reversible (reactivation, which also withdraws an announced one);
 * a termination is not: the account is `cancelled` with a termination cause, nothing more is
 * ever charged (as CAN-2) and its content is erased on the CAN-3 schedule.
 *
 * While ops-suspended nothing is charged: renewals, dunning retries and coupon invoices wait.
 * On reactivation the account returns to where it was; a paid period that ended meanwhile is
 * followed by a fresh period charged at once, as a PAY-13 reactivation does. The suspended
 * time is not credited (PAY-3).
 */
import type {
  AccountEffect,
  AccountState,
  Deadline,
  Decision,
  EmailTemplate,
  Refusal,
  SuspensionReason,
} from './account';
import { closeAccount, closeCredit, startCharge } from './account';
import { creditEndsAt, liveCredit, settleCredit, startDrawing } from './credit';
import { addDays, isoDate, periodAt } from './periods';

/**
 * TERM-1: the notice between the warning email and the action. A week: long enough for an
 * owner to read the warning, answer it (weekends included) and take out what they need, short
 * enough that a breach does not run on for long. Urgent cases (abuse, fraud) take effect at once.
 */
export const TERM_NOTICE_DAYS = 7;

/** Why the vendor suspends or terminates an account. Stable codes, no free text. */
export const opsReasons = ['terms_breach', 'abuse', 'fraud', 'other'] as const;
export type OpsReason = (typeof opsReasons)[number];

/** Why an ops suspension is lifted (or an announced one withdrawn). */
export const reactivationReasons = [
  'resolved',
  'appeal_upheld',
  'issued_in_error',
  'other',
] as const;
export type ReactivationReason = (typeof reactivationReasons)[number];

export type OpsAction = 'suspend' | 'terminate';

/** An announced action waiting for its notice period to run out. */
export interface OpsNotice {
  readonly action: OpsAction;
  readonly reason: OpsReason;
  readonly announcedAt: number;
  readonly effectiveAt: number;
}

/** The status the account returns to when the ops suspension is lifted. */
export interface ResumeTo {
  readonly status: 'trialing' | 'active' | 'suspended';
  readonly suspensionReason: SuspensionReason | null;
}

export interface OpsSuspension {
  readonly reason: OpsReason;
  readonly since: number;
  readonly resume: ResumeTo;
}

export interface Termination {
  readonly reason: OpsReason;
  readonly at: number;
}

export type OpsInput =
  | {
      readonly kind: 'ops_suspension_requested';
      readonly reason: OpsReason;
      readonly urgent: boolean;
    }
  | {
      readonly kind: 'ops_termination_requested';
      readonly reason: OpsReason;
      readonly urgent: boolean;
    }
  | { readonly kind: 'ops_reactivation_requested'; readonly reason: ReactivationReason };

export type OpsDeadlineAction = 'ops_suspend' | 'ops_terminate';

export type OpsRefusalCode =
  | 'ALREADY_SUSPENDED'
  | 'OPS_ACTION_PENDING'
  | 'TERMINATION_PENDING'
  | 'NOT_SUSPENDED'
  | 'SUSPENSION_NOT_LIFTABLE';

export type OpsAuditKind =
  | 'ops_action_announced'
  | 'ops_action_withdrawn'
  | 'account_suspended'
  | 'account_reactivated'
  | 'account_terminated';

/** The TERM-1 part of an account's state; absent in states carried over from earlier runs. */
export interface OpsState {
  readonly opsNotice?: OpsNotice | null;
  readonly opsSuspension?: OpsSuspension | null;
  readonly termination?: Termination | null;
}

export function isOpsSuspended(state: AccountState): boolean {
  return state.status === 'suspended' && (state.opsSuspension ?? null) !== null;
}

/** When an announced action takes effect, if one is announced. */
export function opsDeadline(state: AccountState): Deadline | null {
  const notice = state.opsNotice ?? null;
  if (!notice || state.status === 'cancelled' || state.status === 'deleted') return null;
  return {
    at: notice.effectiveAt,
    action: notice.action === 'suspend' ? 'ops_suspend' : 'ops_terminate',
  };
}

/** TERM-1's refusals, checked by the update validators and again before the command applies. */
export function refuseOps(state: AccountState, input: OpsInput): Refusal | null {
  if (state.status === 'cancelled' || state.status === 'deleted') {
    const terminated = (state.termination ?? null) !== null;
    return {
      code: 'ACCOUNT_CLOSED',
      message: terminated
        ? 'The account has been terminated; termination is irreversible.'
        : 'The account is closed; nothing more can be changed or charged.',
      clause: terminated ? 'TERM-1' : state.status === 'deleted' ? 'CAN-3' : 'CAN-2',
    };
  }
  const notice = state.opsNotice ?? null;
  const pendingTermination: Refusal | null =
    notice?.action === 'terminate'
      ? {
          code: 'TERMINATION_PENDING',
          message: `The account's termination is announced for ${isoDate(notice.effectiveAt)}; termination is irreversible.`,
          clause: 'TERM-1',
        }
      : null;
  switch (input.kind) {
    case 'ops_suspension_requested':
      if (isOpsSuspended(state)) {
        return {
          code: 'ALREADY_SUSPENDED',
          message: 'The account is already suspended by the vendor.',
          clause: 'TERM-1',
        };
      }
      if (pendingTermination) return pendingTermination;
      if (notice && !input.urgent) return announced(notice);
      return null;
    case 'ops_termination_requested':
      if (notice?.action === 'terminate' && !input.urgent) return announced(notice);
      return null;
    case 'ops_reactivation_requested':
      if (pendingTermination) return pendingTermination;
      if (isOpsSuspended(state) || notice?.action === 'suspend') return null;
      if (state.status === 'suspended') {
        return {
          code: 'SUSPENSION_NOT_LIFTABLE',
          message: `The account is suspended for ${state.suspensionReason ?? 'another reason'}, not by the vendor; ${wayOut(state.suspensionReason)}.`,
          clause: 'TERM-1',
        };
      }
      return {
        code: 'NOT_SUSPENDED',
        message: 'The account is not suspended by the vendor and no suspension is announced.',
        clause: 'TERM-1',
      };
  }
}

/**
 * An ops-suspended coupon account takes no seat change or billing-details charge (nothing is
 * charged while suspended); a code-abuse report (LTD-2) is noted for when the suspension lifts.
 */
export function refuseWhileOpsSuspended(
  state: AccountState,
  input: {
    readonly kind: 'coupon_seats_changed' | 'billing_details_checked' | 'code_abuse_reported';
  },
): Refusal | null {
  if (!isOpsSuspended(state) || input.kind === 'code_abuse_reported') return null;
  return {
    code: 'ACCOUNT_SUSPENDED',
    message: 'The account is suspended by the vendor; nothing is charged until support lifts it.',
    clause: 'TERM-1',
  };
}

/** While ops-suspended, only a code-abuse report changes anything: where reactivation leads. */
export function onCouponInputWhileOpsSuspended(
  state: AccountState,
  input: {
    readonly kind: 'coupon_seats_changed' | 'billing_details_checked' | 'code_abuse_reported';
  },
): Decision {
  const suspension = state.opsSuspension ?? null;
  if (!suspension || input.kind !== 'code_abuse_reported') return { state, effects: [] };
  const resume = suspension.resume;
  if (resume.status === 'suspended' && resume.suspensionReason === 'code_abuse') {
    return { state, effects: [] };
  }
  return {
    state: {
      ...state,
      opsSuspension: {
        ...suspension,
        resume: { status: 'suspended', suspensionReason: 'code_abuse' },
      },
    },
    effects: [email(state, 'code_abuse_suspended', 'code-abuse')],
  };
}

function announced(notice: OpsNotice): Refusal {
  return {
    code: 'OPS_ACTION_PENDING',
    message: `A ${notice.action === 'suspend' ? 'suspension' : 'termination'} is already announced for ${isoDate(notice.effectiveAt)}; mark the request urgent to act at once.`,
    clause: 'TERM-1',
  };
}

function wayOut(reason: SuspensionReason | null): string {
  switch (reason) {
    case 'trial_expired':
      return 'only a payment method lifts it (PAY-1b)';
    case 'payment_failed':
      return 'only a payment method that pays what is due lifts it (PAY-13)';
    case 'billing_details_missing':
      return 'only complete billing details and a payment method lift it (LTD-10)';
    case 'code_abuse':
      return 'a shared code is not lifted (LTD-2)';
    default:
      return 'it is not lifted by reactivation';
  }
}

export function decideOps(state: AccountState, input: OpsInput, now: number): Decision {
  if (refuseOps(state, input)) return { state, effects: [] };
  switch (input.kind) {
    case 'ops_suspension_requested':
      return input.urgent
        ? suspend({ ...state, opsNotice: null }, input.reason, now, true)
        : announce(state, 'suspend', input.reason, now);
    case 'ops_termination_requested':
      return input.urgent
        ? terminate(state, input.reason, now, true)
        : announce(state, 'terminate', input.reason, now);
    case 'ops_reactivation_requested':
      return reactivate(state, input.reason, now);
  }
}

/** An announced action whose notice period has run out. */
export function onOpsDeadline(state: AccountState, now: number): Decision {
  const notice = state.opsNotice ?? null;
  if (!notice || now < notice.effectiveAt) return { state, effects: [] };
  // Effective as of its announced date, however late the timer that noticed it fired.
  const cleared: AccountState = { ...state, opsNotice: null };
  return notice.action === 'suspend'
    ? suspend(cleared, notice.reason, notice.effectiveAt, false)
    : terminate(cleared, notice.reason, notice.effectiveAt, false);
}

function announce(
  state: AccountState,
  action: OpsAction,
  reason: OpsReason,
  now: number,
): Decision {
  const effectiveAt = addDays(now, TERM_NOTICE_DAYS);
  const template: EmailTemplate =
    action === 'suspend' ? 'ops_suspension_notice' : 'ops_termination_notice';
  return {
    state: { ...state, opsNotice: { action, reason, announcedAt: now, effectiveAt } },
    effects: [
      { ...email(state, template, `${template}:${now}`), effectiveAt },
      audit(state, 'ops_action_announced', now, { action, reason, effectiveAt }),
    ],
  };
}

function suspend(state: AccountState, reason: OpsReason, at: number, urgent: boolean): Decision {
  const resume: ResumeTo = {
    status: state.status === 'suspended' || state.status === 'active' ? state.status : 'trialing',
    suspensionReason: state.status === 'suspended' ? state.suspensionReason : null,
  };
  return {
    state: {
      ...state,
      status: 'suspended',
      suspensionReason: 'ops_suspended',
      opsSuspension: { reason, since: at, resume },
    },
    effects: [
      email(state, 'ops_suspended', `ops-suspended:${at}`),
      audit(state, 'account_suspended', at, { reason, urgent }),
    ],
  };
}

function terminate(state: AccountState, reason: OpsReason, at: number, urgent: boolean): Decision {
  // As CAN-2: nothing scheduled survives and nothing more is ever charged; CAN-3 erasure follows.
  // PAY-12: a prepaid credit left is refunded at its ratio, as on any cancellation.
  const credit = closeCredit(state, at);
  return {
    state: {
      ...closeAccount(credit.state, at),
      suspensionReason: null,
      termination: { reason, at },
    },
    effects: [
      email(state, 'ops_terminated', 'ops-terminated'),
      audit(state, 'account_terminated', at, { reason, urgent }),
      ...credit.effects,
    ],
  };
}

function reactivate(state: AccountState, reason: ReactivationReason, now: number): Decision {
  const suspension = state.opsSuspension ?? null;
  if (!suspension || state.status !== 'suspended') {
    // An announced suspension that has not taken effect is withdrawn; the owner hears of it.
    const notice = state.opsNotice;
    return {
      state: { ...state, opsNotice: null },
      effects: [
        email(state, 'ops_action_withdrawn', `ops-withdrawn:${now}`),
        audit(state, 'ops_action_withdrawn', now, {
          reason,
          action: notice?.action ?? 'suspend',
        }),
      ],
    };
  }
  const restored: AccountState = {
    ...state,
    status: suspension.resume.status,
    suspensionReason: suspension.resume.suspensionReason,
    opsSuspension: null,
  };
  const effects: AccountEffect[] = [
    email(state, 'ops_reactivated', `ops-reactivated:${now}`),
    audit(state, 'account_reactivated', now, { reason, suspendedSince: suspension.since }),
  ];
  const credit = liveCredit(restored);
  if (credit && restored.status === 'active') {
    // PAY-11: the prepaid credit pays the account's time, suspended or not: nothing is charged
    // to the card; a credit whose start passed during the suspension is drawn from its start.
    const drawn = credit.drawing || credit.startsAt > now ? restored : startDrawing(restored);
    const endsAt = creditEndsAt(drawn);
    if (endsAt === null || endsAt > now) return { state: drawn, effects };
    // The credit ran out during the suspension: it paid up to its end, and the rest of the
    // suspended time is neither billed nor credited, so a fresh period starts now.
    const spent: AccountState = { ...settleCredit(drawn, endsAt), prepaidCredit: null };
    const charged = startCharge(spent, now, 0, 1, false);
    return { state: charged.state, effects: [...effects, ...charged.effects] };
  }
  const billing = restored.billing;
  const periodEnded =
    restored.status === 'active' &&
    !restored.coupon &&
    !restored.dunning &&
    billing !== null &&
    restored.paymentMethod !== null &&
    periodAt(billing.anchor, restored.cycle, billing.periodIndex).end <= now;
  if (!periodEnded) return { state: restored, effects };
  // The paid period ended while suspended: a fresh period starts now and is charged at once,
  // as a PAY-13 reactivation does; the suspended time is neither billed nor credited.
  const charged = startCharge(restored, now, 0, 1);
  return { state: charged.state, effects: [...effects, ...charged.effects] };
}

function email(
  state: AccountState,
  template: EmailTemplate,
  key: string,
): Extract<AccountEffect, { kind: 'send_email' }> {
  return { kind: 'send_email', template, idempotencyKey: `${state.accountId}:email:${key}` };
}

function audit(
  state: AccountState,
  kind: OpsAuditKind,
  at: number,
  detail: Readonly<Record<string, string | number | boolean>>,
): Extract<AccountEffect, { kind: 'record_audit_event' }> {
  return {
    kind: 'record_audit_event',
    event: kind,
    detail: { clause: 'TERM-1', ...detail },
    occurredAt: at,
    idempotencyKey: `${state.accountId}:audit:${kind}:${at}`,
  };
}

/** What the account's TERM-1 part looks like to its owner, support and ops. */
export interface OpsView {
  readonly opsNotice: {
    readonly action: OpsAction;
    readonly reason: OpsReason;
    readonly announcedAt: string;
    readonly effectiveAt: string;
  } | null;
  readonly opsSuspension: { readonly reason: OpsReason; readonly since: string } | null;
  readonly termination: { readonly reason: OpsReason; readonly at: string } | null;
}

export function viewOps(state: AccountState): OpsView {
  const notice = state.opsNotice ?? null;
  const suspension = isOpsSuspended(state) ? (state.opsSuspension ?? null) : null;
  const termination = state.termination ?? null;
  const iso = (at: number) => new Date(at).toISOString();
  return {
    opsNotice:
      notice && state.status !== 'cancelled' && state.status !== 'deleted'
        ? {
            action: notice.action,
            reason: notice.reason,
            announcedAt: iso(notice.announcedAt),
            effectiveAt: iso(notice.effectiveAt),
          }
        : null,
    opsSuspension: suspension ? { reason: suspension.reason, since: iso(suspension.since) } : null,
    termination: termination ? { reason: termination.reason, at: iso(termination.at) } : null,
  };
}
