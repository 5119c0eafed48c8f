/**
 * Email to the account owner over SMTP, at most once per idempotency key.
 *
 * The outbox row is claimed before sending and marked sent after; a key already marked sent
 * returns its message id without sending. A worker that dies between sending and marking
 * sends again on retry with the same Message-ID, which receiving systems use to drop the
 * duplicate. The recipient's address and name are read at send time (so that erasure really
 * erases) and never logged.
 *
 * Each template has a category (GDPR-3). Transactional email (receipts, warnings, notices) is
 * what the contract requires and always goes out. Marketing email goes out only if, at the
 * moment of sending, the owner's consent is granted and processing is not restricted: a
 * revocation stops the very next marketing email, even one already queued.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { BillingActivities } from './contract';
import { EmailDataMissingError, renderEmail, type RenderedEmail } from './email-templates';
import { activityLogger } from './log';
import { emailCategory, renderMarketingEmail, type MarketingTemplate } from './marketing-templates';
import type { Store, StoredInvoice } from './store';

export interface MailDeps {
  readonly store: Pick<
    Store,
    'claimEmail' | 'markEmailSent' | 'contactFor' | 'invoice' | 'marketingAllowed'
  >;
  readonly mailer: Transporter;
  /** The From header, e.g. `Billing <billing@example.com>`. */
  readonly mailFrom: string;
  readonly logger: Logger;
}

export type MailActivities = Pick<BillingActivities, 'sendEmail'> & MarketingMailActivities;

export interface MarketingMailActivities {
  /**
   * GDPR-3: sends one marketing email to the owner, at most once per key, and only if the
   * owner's consent is granted and processing is not restricted at the moment of sending;
   * otherwise nothing is sent (`suppressed`).
   */
  sendMarketingEmail(input: {
    accountId: string;
    template: MarketingTemplate;
    idempotencyKey: string;
  }): Promise<{ messageId: string | null; suppressed: boolean }>;
}

/** The Message-ID of the email sent under an idempotency key: the same on every attempt. */
export function messageIdFor(idempotencyKey: string, mailFrom: string): string {
  const digest = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(mailFrom)?.[1] ?? 'billing.invalid';
  return `<${digest}@${domain}>`;
}

export function createMailActivities(deps: MailDeps): MailActivities {
  const { store, mailer, mailFrom } = deps;
  return {
    async sendEmail({ accountId, template, idempotencyKey, invoiceId, effectiveAt, amount }) {
      const log = activityLogger(deps.logger, 'sendEmail', {
        accountId,
        idempotencyKey,
        ...(invoiceId ? { invoiceId } : {}),
      });
      const claimed = await store.claimEmail({
        idempotencyKey,
        accountId,
        template,
        messageId: messageIdFor(idempotencyKey, mailFrom),
      });
      if (claimed.sentAt !== null) {
        log.info(
          { template, messageId: claimed.messageId },
          'email already sent; not sending again',
        );
        return { messageId: claimed.messageId };
      }

      const contact = await store.contactFor(accountId);
      if (!contact) {
        throw ApplicationFailure.create({
          type: 'CONTACT_NOT_FOUND',
          message: `Account ${accountId} has no owner contact to email.`,
          nonRetryable: true,
        });
      }
      let invoice: StoredInvoice | null = null;
      let cancelledNumber: string | undefined;
      if ((template === 'receipt' || template === 'invoice_corrected') && invoiceId !== undefined) {
        invoice = await store.invoice(invoiceId);
        // The workflow records the invoice before asking for its receipt; retry until it is there.
        if (!invoice) throw new Error(`Invoice ${invoiceId} is not recorded yet`);
        if (invoice.accountId !== accountId) {
          throw ApplicationFailure.create({
            type: 'EMAIL_DATA_MISSING',
            message: `Invoice ${invoiceId} does not belong to account ${accountId}.`,
            nonRetryable: true,
          });
        }
      }

      if (invoice?.correctsInvoiceId) {
        cancelledNumber = (await store.invoice(invoice.correctsInvoiceId))?.number;
      }

      let rendered: RenderedEmail;
      try {
        rendered = renderEmail(template, contact.language, {
          fullName: contact.fullName,
          ...(invoice ? { invoice } : {}),
          ...(effectiveAt !== undefined ? { effectiveAt } : {}),
          ...(amount !== undefined ? { amount } : {}),
          ...(cancelledNumber !== undefined ? { cancelledNumber } : {}),
        });
      } catch (error) {
        if (!(error instanceof EmailDataMissingError)) throw error;
        throw ApplicationFailure.create({
          type: 'EMAIL_DATA_MISSING',
          message: error.message,
          nonRetryable: true,
        });
      }

      await mailer.sendMail({
        from: mailFrom,
        to: { name: contact.fullName, address: contact.email },
        subject: rendered.subject,
        text: rendered.text,
        messageId: claimed.messageId,
      });
      await store.markEmailSent(idempotencyKey);
      log.info(
        { template, language: contact.language, messageId: claimed.messageId },
        'email sent',
      );
      return { messageId: claimed.messageId };
    },

    async sendMarketingEmail({ accountId, template, idempotencyKey }) {
      const log = activityLogger(deps.logger, 'sendMarketingEmail', { accountId, idempotencyKey });
      if (emailCategory(template) !== 'marketing') {
        throw ApplicationFailure.create({
          type: 'EMAIL_DATA_MISSING',
          message: `${template} is not a marketing template.`,
          nonRetryable: true,
        });
      }
      // GDPR-3: consent is read at send time, so a revocation takes effect at once.
      if (!(await store.marketingAllowed(accountId))) {
        log.info({ template }, 'marketing email suppressed: no consent, or processing restricted');
        return { messageId: null, suppressed: true };
      }
      const claimed = await store.claimEmail({
        idempotencyKey,
        accountId,
        template,
        messageId: messageIdFor(idempotencyKey, mailFrom),
      });
      if (claimed.sentAt !== null) return { messageId: claimed.messageId, suppressed: false };
      const contact = await store.contactFor(accountId);
      if (!contact) {
        log.info({ template }, 'marketing email suppressed: no contact on file');
        return { messageId: null, suppressed: true };
      }
      const rendered = renderMarketingEmail(template, contact.language, {
        fullName: contact.fullName,
      });
      await mailer.sendMail({
        from: mailFrom,
        to: { name: contact.fullName, address: contact.email },
        subject: rendered.subject,
        text: rendered.text,
        messageId: claimed.messageId,
      });
      await store.markEmailSent(idempotencyKey);
      log.info({ template, messageId: claimed.messageId }, 'marketing email sent');
      return { messageId: claimed.messageId, suppressed: false };
    },
  };
}
