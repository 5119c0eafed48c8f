/**
 * TERM-1: the updates by which the vendor (support or ops) suspends, reactivates or terminates
 * an account. Imported by the API as well, so it depends on nothing but @temporalio/workflow
 * and types.
 */
import { defineUpdate } from '@temporalio/workflow';
import type { CommandResult } from './messages';
import type { OpsReason, ReactivationReason } from './policy/ops-actions';

export type { OpsReason, ReactivationReason };

/** A suspension or termination: a reason code, and whether it skips the notice period. */
export interface OpsActionInput {
  readonly reason: OpsReason;
  /** Acts at once, without the warning and notice period (abuse, fraud). */
  readonly urgent: boolean;
}

export interface ReactivationInput {
  readonly reason: ReactivationReason;
}

export const suspendAccountUpdate = defineUpdate<CommandResult, [OpsActionInput]>('suspendAccount');
/** Lifts an ops suspension, or withdraws one announced and not yet effective. */
export const reactivateAccountUpdate = defineUpdate<CommandResult, [ReactivationInput]>(
  'reactivateAccount',
);
/** Irreversible: the account is closed as CAN-2 and erased on the CAN-3 schedule. */
export const terminateAccountUpdate = defineUpdate<CommandResult, [OpsActionInput]>(
  'terminateAccount',
);
