/** Shared builders for the activity tests: deps, invoices and a log capture. */
import path from 'node:path';
import nodemailer from 'nodemailer';
import type pg from 'pg';
import pino, { type Logger } from 'pino';
import type Stripe from 'stripe';
import { createActivities, type ActivityDeps } from '../../activities';
import type { BillingActivities } from '../../activities/contract';
import { createStripe, redactedPaths } from '../../infra/clients';
import { stripeApiBase } from '../support/env';
import type { InvoiceDraft } from '../../workflows/policy/invoice';
import type { Currency } from '../../workflows/policy/money';

export const catalogPath = path.join(__dirname, '../../infra/catalog.json');
export const holidaysPath = path.join(__dirname, '../../infra/holidays.json');
export const mailFrom = 'Billing <billing@billing.example>';

/** Where stripe-mock listens; a missing variable fails the run rather than skipping. */
export function stripeMockBase(): URL {
  return new URL(stripeApiBase());
}

export function stripeAt(base: URL): Stripe {
  return createStripe({
    stripe: {
      apiKey: 'sk_test_123',
      apiBase: base,
      webhookSecret: 'whsec_test',
      webhookToleranceSeconds: 300,
    },
  });
}

/** Every log line an activity writes, parsed, with the same redaction as production. */
export interface LogCapture {
  readonly logger: Logger;
  readonly lines: Record<string, unknown>[];
  readonly text: () => string;
}

export function captureLogs(): LogCapture {
  const raw: string[] = [];
  const logger = pino(
    { level: 'debug', redact: { paths: redactedPaths, censor: '[redacted]' } },
    { write: (line: string) => void raw.push(line) },
  );
  return {
    logger,
    get lines() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    text: () => raw.join(''),
  };
}

/** Activities on the given pool; clients the test does not use point nowhere. */
export function activitiesFor(
  deps: Partial<ActivityDeps> & { readonly pool: pg.Pool },
): BillingActivities {
  return createActivities({
    stripe: stripeAt(new URL('http://127.0.0.1:9')),
    mailer: nodemailer.createTransport({ jsonTransport: true }),
    mailFrom,
    catalogPath,
    holidaysPath,
    logger: pino({ level: 'silent' }),
    ...deps,
  });
}

const DAY = 24 * 60 * 60 * 1000;

export function draftInvoice(
  accountId: string,
  invoiceId: string,
  options: { total?: number; currency?: Currency; periodStart?: number } = {},
): InvoiceDraft {
  const total = options.total ?? 3800;
  const periodStart = options.periodStart ?? Date.UTC(2026, 2, 14, 9, 30);
  const periodEnd = periodStart + 31 * DAY;
  return {
    invoiceId,
    accountId,
    currency: options.currency ?? 'USD',
    periodStart,
    periodEnd,
    lines: [
      {
        description: 'Team plan, 2 seats, monthly',
        clause: 'PAY-1c',
        periodStart,
        periodEnd,
        quantity: 2,
        unitAmount: total / 2,
        amount: total,
      },
    ],
    subtotal: total,
    tax: 0,
    total,
  };
}
