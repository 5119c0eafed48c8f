/**
 * GDPR-3 against the real Postgres and the SMTP sink: marketing email goes out only while the
 * owner's consent is granted and processing is not restricted, checked at the moment of
 * sending; transactional email (receipts, warnings) goes out whatever the consent.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import pino from 'pino';
import { createActivities, type AllActivities } from '../../activities';
import { emailCategory, renderMarketingEmail } from '../../activities/marketing-templates';
import { messageIdFor } from '../../activities/mail';
import { recordConsent } from '../../api/gdpr-store';
import { createAccount, createTestPool } from '../support/db';
import { startTestSmtp, type TestSmtp } from '../support/smtp';
import { catalogPath, draftInvoice, holidaysPath, mailFrom, stripeAt } from './support';

let pool: pg.Pool;
let smtp: TestSmtp;
let activities: AllActivities;

beforeAll(async () => {
  pool = await createTestPool();
  smtp = await startTestSmtp();
  activities = createActivities({
    pool,
    stripe: stripeAt(new URL('http://127.0.0.1:9')),
    mailer: smtp.mailer,
    mailFrom,
    catalogPath,
    holidaysPath,
    logger: pino({ level: 'silent' }),
  });
});

afterAll(async () => {
  await smtp?.stop();
  await pool?.end();
});

function deliveredTo(email: string) {
  return smtp.sink.messages().filter((mail) => mail.envelope.to.includes(email));
}

function newsletter(accountId: string) {
  return {
    accountId,
    template: 'product_newsletter' as const,
    idempotencyKey: `${accountId}:newsletter:${randomUUID()}`,
  };
}

async function restrict(accountId: string): Promise<void> {
  const requestId = `gdpr_${randomUUID()}`;
  await pool.query(
    `INSERT INTO gdpr_requests (request_id, account_id, kind, requested_by, completed_at, outcome)
     VALUES ($1, $2, 'restriction', 'owner', now(), 'completed')`,
    [requestId, accountId],
  );
  await pool.query(
    `INSERT INTO processing_restrictions (account_id, restricted_at, gdpr_request_id)
     VALUES ($1, now(), $2)`,
    [accountId, requestId],
  );
}

describe('marketing email', () => {
  test('GDPR-3: the newsletter is marketing; every contractual template is transactional', () => {
    expect(emailCategory('product_newsletter')).toBe('marketing');
    for (const template of ['receipt', 'payment_failed', 'inactivity_warning'] as const) {
      expect(emailCategory(template)).toBe('transactional');
    }
    for (const language of ['en', 'lt', 'ro'] as const) {
      const { subject, text } = renderMarketingEmail('product_newsletter', language, {
        fullName: 'Ada',
      });
      expect(subject.length).toBeGreaterThan(0);
      expect(text).toContain('Ada');
    }
  });

  test('GDPR-3: a revoked consent stops marketing email at once while receipts continue', async () => {
    const owner = await createAccount(pool, { fullName: 'Ada Lovelace' });
    await recordConsent(pool, owner.accountId, true, 'signup_form');

    const sent = await activities.sendMarketingEmail(newsletter(owner.accountId));
    expect(sent.suppressed).toBe(false);
    const mail = await smtp.sink.waitFor((m) => m.messageId === sent.messageId, 5000);
    expect(mail.envelope.to).toEqual([owner.email]);
    expect(mail.subject).toBe('What is new in the help desk');
    expect(mail.text).toContain('withdraw your marketing consent');

    // Revoked: the very next marketing email is not sent.
    await recordConsent(pool, owner.accountId, false, 'owner_api');
    const next = newsletter(owner.accountId);
    expect(await activities.sendMarketingEmail(next)).toEqual({
      messageId: null,
      suppressed: true,
    });

    // Transactional email goes on: a receipt and a payment warning still arrive.
    const draft = draftInvoice(owner.accountId, `${owner.accountId}-0001`);
    await activities.recordPaidInvoice({
      invoice: draft,
      paymentId: `pi_${owner.accountId}`,
      idempotencyKey: `${draft.invoiceId}:charge:1`,
      paidAt: Date.now(),
    });
    const receipt = await activities.sendEmail({
      accountId: owner.accountId,
      template: 'receipt',
      idempotencyKey: `${owner.accountId}:email:receipt`,
      invoiceId: draft.invoiceId,
    });
    await smtp.sink.waitFor((m) => m.messageId === receipt.messageId, 5000);
    const warning = await activities.sendEmail({
      accountId: owner.accountId,
      template: 'payment_failed',
      idempotencyKey: `${owner.accountId}:email:payment-failed`,
    });
    await smtp.sink.waitFor((m) => m.messageId === warning.messageId, 5000);

    const received = deliveredTo(owner.email).map((m) => m.messageId);
    expect(received).toEqual([sent.messageId, receipt.messageId, warning.messageId]);
    expect(received).not.toContain(messageIdFor(next.idempotencyKey, mailFrom));
    // Nothing was claimed for the suppressed email: granting consent later does not send it.
    const outbox = await pool.query('SELECT 1 FROM email_outbox WHERE idempotency_key = $1', [
      next.idempotencyKey,
    ]);
    expect(outbox.rowCount).toBe(0);
  });

  test('GDPR-3: without any consent recorded (an old signup), no marketing email is sent', async () => {
    const owner = await createAccount(pool);
    expect(await activities.sendMarketingEmail(newsletter(owner.accountId))).toEqual({
      messageId: null,
      suppressed: true,
    });
    expect(deliveredTo(owner.email)).toEqual([]);
  });

  test('GDPR-2: a restriction of processing stops marketing email even with consent', async () => {
    const owner = await createAccount(pool);
    await recordConsent(pool, owner.accountId, true, 'owner_api');
    await restrict(owner.accountId);
    expect((await activities.sendMarketingEmail(newsletter(owner.accountId))).suppressed).toBe(
      true,
    );
    await pool.query('DELETE FROM processing_restrictions WHERE account_id = $1', [
      owner.accountId,
    ]);
    const sent = await activities.sendMarketingEmail(newsletter(owner.accountId));
    expect(sent.suppressed).toBe(false);
    await smtp.sink.waitFor((m) => m.messageId === sent.messageId, 5000);
    expect(deliveredTo(owner.email)).toHaveLength(1);
  });

  test('GDPR-3: consent history is append-only', async () => {
    const owner = await createAccount(pool);
    await recordConsent(pool, owner.accountId, true, 'signup_form');
    await expect(
      pool.query('UPDATE marketing_consent_events SET granted = false WHERE account_id = $1', [
        owner.accountId,
      ]),
    ).rejects.toThrow(/append-only/);
  });
});
