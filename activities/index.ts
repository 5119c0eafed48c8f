/**
 * The activities of the account workflow, built from injected clients so that tests can give
 * real servers (Postgres, stripe-mock, an SMTP sink) or fakes.
 */
import type { Transporter } from 'nodemailer';
import type pg from 'pg';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import { createAuditActivities, type AuditActivities } from './audit';
import { createCatalogActivities } from './catalog';
import type { BillingActivities } from './contract';
import { createErasureActivities } from './erasure';
import { createInvoicingActivities } from './invoicing';
import type { CouponActivities } from './coupon-contract';
import type { CreditActivities } from './credit-contract';
import { createCouponActivities } from './coupons';
import { activityLogger } from './log';
import { createWebhookActivities, type ProductWebhook } from './webhooks';
import { createMailActivities, type MarketingMailActivities } from './mail';
import { createRetentionActivities, type RetentionTimers } from './retention';
import type { RetentionActivities } from './retention-contract';
import { createPaymentActivities } from './payments';
import { createRefundActivities } from './refunds';
import type { PriceChangeActivities } from './price-change-contract';
import { createPriceChangeActivities } from './price-changes';
import { createStore } from './store';

export interface ActivityDeps {
  readonly pool: pg.Pool;
  readonly stripe: Stripe;
  readonly mailer: Transporter;
  /** The From header of every email, e.g. `Billing <billing@example.com>`. */
  readonly mailFrom: string;
  /** The worker's Temporal client and task queue, to start GDPR-4 retention timers. */
  readonly retentionTimers?: RetentionTimers | null;
  /** Path of the plan catalog JSON (infra/catalog.json). */
  readonly catalogPath: string;
  /** Path of the holiday calendar JSON (infra/holidays.json). */
  readonly holidaysPath: string;
  readonly logger: Logger;
  /** Where `account.deleted` goes (CAN-3); null or absent: not sent, logged. */
  readonly productWebhook?: ProductWebhook | null;
  /** The seller's EU member state, VAT is charged from (PAY-10); LT if absent. */
  readonly sellerCountry?: string;
}

export type AllActivities = BillingActivities &
  CouponActivities &
  CreditActivities &
  PriceChangeActivities &
  AuditActivities &
  RetentionActivities &
  MarketingMailActivities;

export function createActivities(deps: ActivityDeps): AllActivities {
  const store = createStore(deps.pool);
  const { logger } = deps;
  return {
    ...createCatalogActivities(deps),
    ...createPaymentActivities({ stripe: deps.stripe, store, logger }),
    ...createMailActivities({ store, mailer: deps.mailer, mailFrom: deps.mailFrom, logger }),
    ...createErasureActivities({ pool: deps.pool, logger }),
    ...createRetentionActivities({ pool: deps.pool, logger, timers: deps.retentionTimers ?? null }),
    ...createWebhookActivities({ webhook: deps.productWebhook ?? null, logger }),
    ...createCouponActivities({ pool: deps.pool, logger }),
    ...createRefundActivities({ stripe: deps.stripe, pool: deps.pool, logger }),
    ...createInvoicingActivities({
      pool: deps.pool,
      logger,
      sellerCountry: deps.sellerCountry ?? 'LT',
    }),
    ...createPriceChangeActivities({ pool: deps.pool }),
    ...createAuditActivities({ pool: deps.pool, logger }),

    async recordPaidInvoice({ invoice, paymentId, idempotencyKey, paidAt }) {
      const log = activityLogger(logger, 'recordPaidInvoice', {
        accountId: invoice.accountId,
        invoiceId: invoice.invoiceId,
        idempotencyKey,
      });
      const recorded = await store.recordPaidInvoice({
        invoice,
        processorPaymentId: paymentId,
        idempotencyKey,
        paidAt,
      });
      log.info(
        { number: recorded.number, total: invoice.total, currency: invoice.currency },
        recorded.created ? 'paid invoice recorded' : 'paid invoice already recorded',
      );
      return { number: recorded.number };
    },

    async publishAccount({ view, version }) {
      const { applied } = await store.publishAccount(view, version);
      if (!applied) {
        activityLogger(logger, 'publishAccount', { accountId: view.accountId }).debug(
          { version },
          'read model already holds this version or a newer one',
        );
      }
    },
  };
}

export type { BillingActivities } from './contract';
