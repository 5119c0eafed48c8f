/**
 * Email to the account owner over SMTP, at most once per idempotency key.
 *
 * The outbox row is claimed before sending and marked sent after; a key already marked sent
 * returns its message id without sending. A worker that dies between sending and marking
 * sends again on retry with the same Message-ID, which receiving systems use to drop the
 * duplicate. The recipient's address and name are read at send time (so that erasure really
 * erases) and never logged.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { BillingActivities } from './contract';
import { EmailDataMissingError, renderEmail, type RenderedEmail } from './email-templates';
import { activityLogger } from './log';
import type { Store, StoredInvoice } from './store';

export interface MailDeps {
  readonly store: Pick<Store, 'claimEmail' | 'markEmailSent' | 'contactFor' | 'invoice'>;
  readonly mailer: Transporter;
  /** The From header, e.g. `Billing <billing@example.com>`. */
  readonly mailFrom: string;
  readonly logger: Logger;
}

export type MailActivities = Pick<BillingActivities, 'sendEmail'>;

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
  };
}
