/**
 * The activities of the annual prepaid credit (PAY-11, PAY-12), by name and shape. Workflows
 * import this file for types only; `createRefundActivities(deps)` in `refunds.ts` implements it.
 */
import type { Currency } from '../workflows/policy/money';

export type CreditActivityFailureType =
  /** refundPayment: the processor refused the refund (e.g. the payment is already refunded). */
  'REFUND_REJECTED';

export interface CreditActivities {
  /**
   * PAY-12: refunds `amount` of the processor payment that bought the credit, and records the
   * refund with the fee retained (`remaining = amount + feeRetained`). The idempotency key goes
   * to the processor and is unique in Postgres: a retry returns the first refund. Throws
   * REFUND_REJECTED when the processor refuses it.
   */
  refundPayment(input: {
    accountId: string;
    creditId: string;
    paymentId: string;
    amount: number;
    currency: Currency;
    feeRetained: number;
    remaining: number;
    idempotencyKey: string;
    refundedAt: number;
  }): Promise<{ refundId: string }>;
}
