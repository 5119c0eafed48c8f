/**
 * The prepaid-credit command of the account workflow (PAY-11) and the refund it may lead to on
 * cancellation (PAY-12), registered by the account workflow beside its own handlers.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  log,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { CreditActivities } from '../activities/credit-contract';
import { addPrepaidCreditUpdate, type PrepaidCreditInput } from './credit-messages';
import type { CommandResult } from './messages';
import type { AccountEffect, AccountInput } from './policy/account';
import type { PrepaidCreditRequest } from './policy/credit';

/**
 * A refund moves money: retried with backoff on infrastructure errors (safe: it carries an
 * idempotency key), never when the processor refuses it.
 */
const refunds = proxyActivities<CreditActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['REFUND_REJECTED'],
  },
});

export function creditRequest(input: PrepaidCreditInput): PrepaidCreditRequest {
  return {
    amount: input.amount,
    currency: input.currency,
    ...(input.refundRatioBasisPoints === undefined
      ? {}
      : { refundBasisPoints: input.refundRatioBasisPoints }),
  };
}

export function registerCreditHandlers(shell: {
  readonly submit: (input: AccountInput) => Promise<CommandResult>;
  readonly validate: (input: AccountInput) => void;
}): void {
  setHandler(
    addPrepaidCreditUpdate,
    (input) => shell.submit({ kind: 'prepaid_credit_requested', request: creditRequest(input) }),
    {
      validator: (input: PrepaidCreditInput) =>
        shell.validate({ kind: 'prepaid_credit_requested', request: creditRequest(input) }),
    },
  );
}

/** PAY-12: runs a refund; returns the outcome the policy records. */
export async function runRefund(
  accountId: string,
  effect: Extract<AccountEffect, { kind: 'refund_payment' }>,
  now: number,
): Promise<AccountInput> {
  try {
    const { refundId } = await refunds.refundPayment({
      accountId,
      creditId: effect.creditId,
      paymentId: effect.paymentId,
      amount: effect.refund.amount,
      currency: effect.refund.currency,
      feeRetained: effect.feeRetained,
      remaining: effect.remaining,
      idempotencyKey: effect.idempotencyKey,
      refundedAt: now,
    });
    return { kind: 'credit_refunded', creditId: effect.creditId, refundId };
  } catch (error) {
    if (
      error instanceof ActivityFailure &&
      error.cause instanceof ApplicationFailure &&
      error.cause.type === 'REFUND_REJECTED'
    ) {
      log.warn('Prepaid credit refund refused by the processor', {
        creditId: effect.creditId,
        idempotencyKey: effect.idempotencyKey,
      });
      return {
        kind: 'credit_refund_failed',
        creditId: effect.creditId,
        message: error.cause.message,
      };
    }
    throw error;
  }
}
