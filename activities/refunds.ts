/**
 * PAY-12: refunds of unused prepaid credit through Stripe, recorded in Postgres with the fee
 * retained. The workflow's idempotency key goes to Stripe as `idempotencyKey` and is unique in
 * `refunds`: a retried activity finds the first refund and never refunds twice.
 *
 * Errors are classified here: a refund Stripe refuses (already refunded, more than was paid) is
 * REFUND_REJECTED, non-retryable; rate limits, network failures and outages are rethrown for
 * Temporal to retry.
 */
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import type { Logger } from 'pino';
import Stripe from 'stripe';
import type { CreditActivities } from './credit-contract';
import { activityLogger } from './log';

export interface RefundDeps {
  readonly stripe: Stripe;
  readonly pool: pg.Pool;
  readonly logger: Logger;
}

export function createRefundActivities(deps: RefundDeps): CreditActivities {
  const { stripe, pool } = deps;

  async function recorded(idempotencyKey: string): Promise<string | null> {
    const found = await pool.query<{ refund_id: string }>(
      'SELECT refund_id FROM refunds WHERE idempotency_key = $1',
      [idempotencyKey],
    );
    return found.rows[0]?.refund_id ?? null;
  }

  return {
    async refundPayment(input) {
      const { accountId, creditId, paymentId, amount, currency, idempotencyKey } = input;
      const log = activityLogger(deps.logger, 'refundPayment', {
        accountId,
        invoiceId: creditId,
        idempotencyKey,
      });
      if (amount + input.feeRetained !== input.remaining) {
        throw ApplicationFailure.create({
          type: 'REFUND_REJECTED',
          message: `Refund ${amount} and fee ${input.feeRetained} do not add up to ${input.remaining}.`,
          nonRetryable: true,
        });
      }
      const earlier = await recorded(idempotencyKey);
      if (earlier) {
        log.info({ refundId: earlier }, 'refund already made and recorded');
        return { refundId: earlier };
      }
      let refund: Stripe.Refund;
      try {
        refund = await stripe.refunds.create(
          {
            payment_intent: paymentId,
            amount,
            reason: 'requested_by_customer',
            metadata: { accountId, creditId, clause: 'PAY-12' },
          },
          { idempotencyKey },
        );
      } catch (error) {
        if (error instanceof Stripe.errors.StripeInvalidRequestError) {
          log.warn(
            { code: error.code ?? null, requestId: error.requestId ?? null },
            'refund refused by the processor',
          );
          throw ApplicationFailure.create({
            type: 'REFUND_REJECTED',
            message: `The payment processor refused the refund: ${error.message}`,
            nonRetryable: true,
            details: [{ code: error.code ?? null, requestId: error.requestId ?? null }],
          });
        }
        if (error instanceof Stripe.errors.StripeError) {
          log.warn({ errorType: error.type }, 'processor call failed; will retry');
        }
        throw error;
      }
      // A racing attempt may have recorded first; the row that is there is the refund.
      await pool.query(
        `INSERT INTO refunds (refund_id, account_id, credit_id, processor_payment_id, remaining,
                              amount, fee_retained, currency, idempotency_key, refunded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT DO NOTHING`,
        [
          refund.id,
          accountId,
          creditId,
          paymentId,
          input.remaining,
          amount,
          input.feeRetained,
          currency,
          idempotencyKey,
          new Date(input.refundedAt),
        ],
      );
      const refundId = (await recorded(idempotencyKey)) ?? refund.id;
      log.info(
        { refundId, amount, feeRetained: input.feeRetained, currency },
        'prepaid credit refunded',
      );
      return { refundId };
    },
  };
}
