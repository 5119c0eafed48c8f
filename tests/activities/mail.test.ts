/**
 * Email: the templates in every language, and sendEmail delivering through a real SMTP
 * conversation to the loopback sink, at most once per idempotency key.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import nodemailer from 'nodemailer';
import type pg from 'pg';
import type { BillingActivities } from '../../activities/contract';
import { EmailDataMissingError, renderEmail } from '../../activities/email-templates';
import { messageIdFor } from '../../activities/mail';
import type { StoredInvoice } from '../../activities/store';
import type { EmailTemplate } from '../../workflows/policy/account';
import { createAccount, createTestPool, type Language } from '../support/db';
import { startSmtpSink, startTestSmtp, type TestSmtp } from '../support/smtp';
import { activitiesFor, captureLogs, draftInvoice, mailFrom, type LogCapture } from './support';

const invoice: StoredInvoice = {
  invoiceId: 'acct-x-0001',
  accountId: 'acct-x',
  number: '2026-000042',
  currency: 'EUR',
  periodStart: Date.UTC(2026, 2, 14, 9, 30),
  periodEnd: Date.UTC(2026, 3, 14, 9, 30),
  lines: [
    {
      description: 'Business plan, 3 seats, monthly',
      clause: 'PAY-1d',
      periodStart: Date.UTC(2026, 2, 14, 9, 30),
      periodEnd: Date.UTC(2026, 3, 14, 9, 30),
      quantity: 3,
      unitAmount: 2700,
      amount: 8100,
    },
  ],
  subtotal: 8100,
  tax: 0,
  total: 8100,
  issuedAt: Date.UTC(2026, 2, 14, 9, 31),
};
const effectiveAt = Date.UTC(2026, 2, 17, 23, 59, 59, 999);
const amount = { amount: 10200, currency: 'EUR' as const };

describe('templates', () => {
  const subjects: Record<EmailTemplate, Record<Language, string>> = {
    receipt: {
      en: 'Receipt for invoice 2026-000042',
      lt: 'Kvitas už sąskaitą faktūrą 2026-000042',
      ro: 'Chitanță pentru factura 2026-000042',
    },
    trial_expired: {
      en: 'Your trial has ended',
      lt: 'Jūsų bandomasis laikotarpis baigėsi',
      ro: 'Perioada de probă s-a încheiat',
    },
    payment_failed: {
      en: 'Your payment failed',
      lt: 'Mokėjimas nepavyko',
      ro: 'Plata nu a reușit',
    },
    payment_retrying: {
      en: 'Your payment failed: we will try again',
      lt: 'Mokėjimas nepavyko: bandysime dar kartą',
      ro: 'Plata nu a reușit: vom încerca din nou',
    },
    payment_failed_final_warning: {
      en: 'Last reminder: your account will be suspended',
      lt: 'Paskutinis priminimas: paskyra bus sustabdyta',
      ro: 'Ultimul memento: contul va fi suspendat',
    },
    price_change_notice: {
      en: 'Your plan’s price is changing',
      lt: 'Keičiasi jūsų plano kaina',
      ro: 'Prețul planului dumneavoastră se schimbă',
    },
    shared_login_surcharge: {
      en: 'A shared login was detected on your account',
      lt: 'Jūsų paskyroje aptiktas bendrai naudojamas prisijungimas',
      ro: 'Am detectat o autentificare partajată în contul dumneavoastră',
    },
    account_stopped: {
      en: 'Your account has been stopped',
      lt: 'Jūsų paskyra sustabdyta',
      ro: 'Contul dumneavoastră a fost oprit',
    },
    cancellation_confirmed: {
      en: 'Your cancellation is confirmed',
      lt: 'Paskyros atšaukimas patvirtintas',
      ro: 'Anularea a fost confirmată',
    },
    account_cancelled: {
      en: 'Your account is cancelled',
      lt: 'Jūsų paskyra atšaukta',
      ro: 'Contul dumneavoastră a fost anulat',
    },
    inactivity_warning: {
      en: 'Your account will be deleted for inactivity',
      lt: 'Jūsų paskyra bus ištrinta dėl neaktyvumo',
      ro: 'Contul dumneavoastră va fi șters din cauza inactivității',
    },
    seats_over_included: {
      en: 'Your account now has more users than your deal includes',
      lt: 'Jūsų paskyroje daugiau naudotojų, nei apima pasiūlymas',
      ro: 'Contul are acum mai mulți utilizatori decât include oferta',
    },
    billing_details_required: {
      en: 'Billing details needed for your extra users',
      lt: 'Reikia atsiskaitymo duomenų už papildomus naudotojus',
      ro: 'Sunt necesare datele de facturare pentru utilizatorii suplimentari',
    },
    billing_details_suspended: {
      en: 'Your account is suspended: billing details missing',
      lt: 'Paskyra sustabdyta: trūksta atsiskaitymo duomenų',
      ro: 'Contul este suspendat: lipsesc datele de facturare',
    },
    code_abuse_suspended: {
      en: 'Your account is suspended',
      lt: 'Jūsų paskyra sustabdyta',
      ro: 'Contul dumneavoastră a fost suspendat',
    },
    ops_suspension_notice: {
      en: 'Your account will be suspended',
      lt: 'Jūsų paskyra bus sustabdyta',
      ro: 'Contul dumneavoastră va fi suspendat',
    },
    ops_termination_notice: {
      en: 'Your account will be terminated',
      lt: 'Jūsų paskyra bus panaikinta',
      ro: 'Contul dumneavoastră va fi închis definitiv',
    },
    ops_suspended: {
      en: 'Your account is suspended',
      lt: 'Jūsų paskyra sustabdyta',
      ro: 'Contul dumneavoastră a fost suspendat',
    },
    ops_terminated: {
      en: 'Your account is terminated',
      lt: 'Jūsų paskyra panaikinta',
      ro: 'Contul dumneavoastră a fost închis definitiv',
    },
    ops_reactivated: {
      en: 'Your account is active again',
      lt: 'Jūsų paskyra vėl aktyvi',
      ro: 'Contul dumneavoastră este din nou activ',
    },
    ops_action_withdrawn: {
      en: 'Your account will not be suspended',
      lt: 'Jūsų paskyra nebus sustabdyta',
      ro: 'Contul dumneavoastră nu va fi suspendat',
    },
  };
  const greetings: Record<Language, string> = {
    en: 'Hello Ona Petrauskė,',
    lt: 'Sveiki, Ona Petrauskė,',
    ro: 'Bună ziua, Ona Petrauskė,',
  };
  const cases = (Object.keys(subjects) as EmailTemplate[]).flatMap((template) =>
    (['en', 'lt', 'ro'] as const).map((language) => ({ template, language })),
  );

  test.each(cases)('$template renders in $language', ({ template, language }) => {
    const email = renderEmail(template, language, {
      fullName: 'Ona Petrauskė',
      invoice,
      effectiveAt,
      amount,
    });
    expect(email.subject).toBe(subjects[template][language]);
    expect(email.text.startsWith(`${greetings[language]}\n\n`)).toBe(true);
    expect(email.text.endsWith('\n')).toBe(true);
    // Every template reads differently from every other one in the same language.
    const others = (Object.keys(subjects) as EmailTemplate[]).filter((other) => other !== template);
    for (const other of others) {
      const body = renderEmail(other, language, {
        fullName: 'x',
        invoice,
        effectiveAt,
        amount,
      }).text;
      expect(email.text.split('\n\n')[1]).not.toBe(body.split('\n\n')[1]);
    }
  });

  test.each(['en', 'lt', 'ro'] as const)(
    'PAY-7: the %s receipt shows the invoice number, each line and the total',
    (language) => {
      const { text } = renderEmail('receipt', language, { fullName: 'Ona', invoice });
      expect(text).toContain('2026-000042');
      expect(text).toContain(
        '- Business plan, 3 seats, monthly, 2026-03-14 – 2026-04-14: 81.00 EUR',
      );
      expect(text).toMatch(/: 81\.00 EUR\n\n[^\n]+\n$/); // the total, just before the signature
    },
  );

  test.each([
    ['en', 'The account will be cancelled on 2026-03-17 23:59 UTC.'],
    ['lt', 'Paskyra bus atšaukta 2026-03-17 23:59 UTC.'],
    ['ro', 'Contul va fi anulat la 2026-03-17 23:59 UTC.'],
  ] as const)(
    'CAN-1: the %s cancellation confirmation names the effective date',
    (language, sentence) => {
      const { text } = renderEmail('cancellation_confirmed', language, {
        fullName: 'Ona',
        effectiveAt,
      });
      expect(text).toContain(sentence);
    },
  );

  test.each([
    ['en', 'suspended on 2026-03-17 23:59 UTC', 'terminated on 2026-03-17 23:59 UTC'],
    ['lt', 'sustabdyta 2026-03-17 23:59 UTC', 'panaikinta 2026-03-17 23:59 UTC'],
    ['ro', 'suspendat la 2026-03-17 23:59 UTC', 'închis definitiv la 2026-03-17 23:59 UTC'],
  ] as const)(
    'TERM-1: the %s suspension and termination warnings name the date the action takes effect',
    (language, suspension, termination) => {
      const data = { fullName: 'Ona', effectiveAt };
      expect(renderEmail('ops_suspension_notice', language, data).text).toContain(suspension);
      expect(renderEmail('ops_termination_notice', language, data).text).toContain(termination);
      for (const template of ['ops_suspension_notice', 'ops_termination_notice'] as const) {
        expect(() => renderEmail(template, language, { fullName: 'Ona' })).toThrow(
          EmailDataMissingError,
        );
      }
    },
  );

  test.each([
    ['en', 'will be deleted on 2026-03-17 23:59 UTC', 'sign in'],
    ['lt', 'ištrinti 2026-03-17 23:59 UTC', 'prisijunkite'],
    ['ro', 'șterse definitiv la 2026-03-17 23:59 UTC', 'autentificați'],
  ] as const)(
    'INACT-1: the %s inactivity warning names the deletion date and how to prevent it',
    (language, when, prevent) => {
      const { text } = renderEmail('inactivity_warning', language, {
        fullName: 'Ona',
        effectiveAt,
      });
      expect(text).toContain(when);
      expect(text).toContain(prevent);
      expect(() => renderEmail('inactivity_warning', language, { fullName: 'Ona' })).toThrow(
        EmailDataMissingError,
      );
    },
  );

  test('a receipt without its invoice, or a confirmation without its date, is refused', () => {
    expect(() => renderEmail('receipt', 'en', { fullName: 'Ona' })).toThrow(EmailDataMissingError);
    expect(() => renderEmail('cancellation_confirmed', 'ro', { fullName: 'Ona' })).toThrow(
      EmailDataMissingError,
    );
  });

  test('the Message-ID is a function of the idempotency key and the sender domain', () => {
    const id = messageIdFor('acct-1:email:stopped', mailFrom);
    expect(id).toMatch(/^<[0-9a-f]{32}@billing\.example>$/);
    expect(messageIdFor('acct-1:email:stopped', mailFrom)).toBe(id);
    expect(messageIdFor('acct-1:email:cancelled', mailFrom)).not.toBe(id);
  });
});

describe('sendEmail through SMTP', () => {
  let pool: pg.Pool;
  let smtp: TestSmtp;
  let logs: LogCapture;
  let activities: BillingActivities;

  beforeAll(async () => {
    pool = await createTestPool();
    smtp = await startTestSmtp();
  });

  afterAll(async () => {
    await smtp?.stop();
    await pool?.end();
  });

  beforeEach(() => {
    logs = captureLogs();
    activities = activitiesFor({ pool, mailer: smtp.mailer, logger: logs.logger });
  });

  function delivered(messageId: string) {
    return smtp.sink.messages().filter((mail) => mail.messageId === messageId);
  }

  async function paidInvoice(accountId: string) {
    const draft = draftInvoice(accountId, `${accountId}-0001`, { total: 3800 });
    const { number } = await activities.recordPaidInvoice({
      invoice: draft,
      paymentId: 'pi_receipt',
      idempotencyKey: `${draft.invoiceId}:charge:1`,
      paidAt: Date.now(),
    });
    return { draft, number };
  }

  test('PAY-7: a receipt arrives at the owner with the invoice number and total; the same key never sends twice', async () => {
    const owner = await createAccount(pool, { fullName: 'Ada Lovelace' });
    const { draft, number } = await paidInvoice(owner.accountId);
    const input = {
      accountId: owner.accountId,
      template: 'receipt' as const,
      idempotencyKey: `${owner.accountId}:email:${draft.invoiceId}:receipt`,
      invoiceId: draft.invoiceId,
    };

    const first = await activities.sendEmail(input);

    const mail = await smtp.sink.waitFor((m) => m.messageId === first.messageId, 5000);
    expect(first.messageId).toBe(messageIdFor(input.idempotencyKey, mailFrom));
    expect(mail.envelope.to).toEqual([owner.email]);
    expect(mail.to).toBe(`Ada Lovelace <${owner.email}>`);
    expect(mail.from).toBe(mailFrom);
    expect(mail.subject).toBe(`Receipt for invoice ${number}`);
    expect(mail.text).toContain('Hello Ada Lovelace,');
    expect(mail.text).toContain('Total paid: 38.00 USD');

    const second = await activities.sendEmail(input);
    expect(second).toEqual(first);
    expect(delivered(first.messageId)).toHaveLength(1);
    const outbox = await pool.query<{ sent: boolean }>(
      'SELECT sent_at IS NOT NULL AS sent FROM email_outbox WHERE idempotency_key = $1',
      [input.idempotencyKey],
    );
    expect(outbox.rows).toEqual([{ sent: true }]);
  });

  test('PAY-7: the receipt is in the account language, decoded intact from the wire (lt)', async () => {
    const owner = await createAccount(pool, { language: 'lt', fullName: 'Ona Petrauskė' });
    const { draft, number } = await paidInvoice(owner.accountId);
    const { messageId } = await activities.sendEmail({
      accountId: owner.accountId,
      template: 'receipt',
      idempotencyKey: `${owner.accountId}:email:${draft.invoiceId}:receipt`,
      invoiceId: draft.invoiceId,
    });
    const mail = await smtp.sink.waitFor((m) => m.messageId === messageId, 5000);
    expect(mail.subject).toBe(`Kvitas už sąskaitą faktūrą ${number}`);
    expect(mail.text).toContain('Sveiki, Ona Petrauskė,');
    expect(mail.text).toContain('Iš viso sumokėta: 38.00 USD');
  });

  test('CAN-1: the cancellation confirmation carries its effective date (ro)', async () => {
    const owner = await createAccount(pool, { language: 'ro', fullName: 'Ioana Popescu' });
    const { messageId } = await activities.sendEmail({
      accountId: owner.accountId,
      template: 'cancellation_confirmed',
      idempotencyKey: `${owner.accountId}:email:cancellation-confirmed`,
      effectiveAt,
    });
    const mail = await smtp.sink.waitFor((m) => m.messageId === messageId, 5000);
    expect(mail.envelope.to).toEqual([owner.email]);
    expect(mail.subject).toBe('Anularea a fost confirmată');
    expect(mail.text).toContain('Contul va fi anulat la 2026-03-17 23:59 UTC.');
  });

  test('GDPR-1: log lines name ids and keys, never the address or the name', async () => {
    const owner = await createAccount(pool, { fullName: 'Grace Hopper' });
    const key = `${owner.accountId}:email:trial-expired`;
    await activities.sendEmail({
      accountId: owner.accountId,
      template: 'trial_expired',
      idempotencyKey: key,
    });
    await activities.sendEmail({
      accountId: owner.accountId,
      template: 'trial_expired',
      idempotencyKey: key,
    });

    expect(logs.lines).toEqual([
      expect.objectContaining({
        accountId: owner.accountId,
        idempotencyKey: key,
        msg: 'email sent',
      }),
      expect.objectContaining({
        idempotencyKey: key,
        msg: 'email already sent; not sending again',
      }),
    ]);
    expect(logs.text()).not.toContain(owner.email);
    expect(logs.text()).not.toContain('Grace');
  });

  test('an account without an owner contact is a non-retryable CONTACT_NOT_FOUND and sends nothing', async () => {
    const bare = await createAccount(pool, { withContact: false });
    const before = smtp.sink.messages().length;
    const error = await activities
      .sendEmail({
        accountId: bare.accountId,
        template: 'account_stopped',
        idempotencyKey: `${bare.accountId}:email:stopped`,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'CONTACT_NOT_FOUND', nonRetryable: true });
    expect(smtp.sink.messages()).toHaveLength(before);
  });

  test('a receipt without an invoice id is a non-retryable EMAIL_DATA_MISSING', async () => {
    const owner = await createAccount(pool);
    await expect(
      activities.sendEmail({
        accountId: owner.accountId,
        template: 'receipt',
        idempotencyKey: `${owner.accountId}:email:r`,
      }),
    ).rejects.toMatchObject({ type: 'EMAIL_DATA_MISSING', nonRetryable: true });
  });

  test('a receipt for an invoice not recorded yet fails retryably and sends once it is', async () => {
    const owner = await createAccount(pool);
    const invoiceId = `${owner.accountId}-0001`;
    const input = {
      accountId: owner.accountId,
      template: 'receipt' as const,
      idempotencyKey: `${owner.accountId}:email:${invoiceId}:receipt`,
      invoiceId,
    };
    const error = await activities.sendEmail(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ApplicationFailure);

    await paidInvoice(owner.accountId);
    const { messageId } = await activities.sendEmail(input);
    await smtp.sink.waitFor((m) => m.messageId === messageId, 5000);
  });

  test('an SMTP server that is down fails retryably and leaves the email unsent, to be sent on retry', async () => {
    const owner = await createAccount(pool);
    const down = nodemailer.createTransport('smtp://127.0.0.1:9');
    const key = `${owner.accountId}:email:payment-failed:1`;
    const input = {
      accountId: owner.accountId,
      template: 'payment_failed' as const,
      idempotencyKey: key,
    };

    const error = await activitiesFor({ pool, mailer: down })
      .sendEmail(input)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ message: expect.stringMatching(/ECONNREFUSED/) as unknown });
    expect(error).not.toBeInstanceOf(ApplicationFailure);

    const { messageId } = await activities.sendEmail(input);
    const mail = await smtp.sink.waitFor((m) => m.messageId === messageId, 5000);
    expect(mail.subject).toBe('Your payment failed');
    expect(delivered(messageId)).toHaveLength(1);
  });
});

describe('the SMTP sink on disk', () => {
  test('writes each message as an .eml file and announces it without the address', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'smtp-sink-'));
    const lines: string[] = [];
    const sink = await startSmtpSink({ dir, log: (line) => lines.push(line) });
    const mailer = nodemailer.createTransport(sink.url);
    try {
      await mailer.sendMail({
        from: mailFrom,
        to: 'Owner <owner@example.test>',
        subject: 'Perioada de probă s-a încheiat',
        text: 'Bună ziua,\n\nșterse ăîâ\n',
        messageId: '<disk-test@billing.example>',
      });
      const mail = await sink.waitFor((m) => m.messageId === '<disk-test@billing.example>', 5000);
      expect(mail.subject).toBe('Perioada de probă s-a încheiat');
      expect(mail.text).toBe('Bună ziua,\n\nșterse ăîâ\n');
      expect(mail.file).not.toBeNull();
      expect(await readdir(dir)).toEqual([path.basename(mail.file!)]);
      expect(await readFile(mail.file!, 'utf8')).toContain(
        'Message-ID: <disk-test@billing.example>',
      );
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(mail.file!);
      expect(lines[0]).not.toContain('owner@example.test');
    } finally {
      mailer.close();
      await sink.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('waitFor times out loudly when nothing matching arrives', async () => {
    const sink = await startSmtpSink({ log: () => undefined });
    try {
      await expect(sink.waitFor(() => true, 50)).rejects.toThrow(
        /no matching message within 50 ms/,
      );
    } finally {
      await sink.stop();
    }
  });
});
