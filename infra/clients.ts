/** Factories for the platform's clients, each built from typed configuration. */
import { Client, Connection } from '@temporalio/client';
import nodemailer, { type Transporter } from 'nodemailer';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import Stripe from 'stripe';
import { requirePayloadKeys, type Config } from './config';
import { PayloadEncryptionPlugin } from './payload-codec';

/**
 * Personal data and secrets that never reach a log line (GDPR-1, PAY-8). Person names are
 * always `fullName`/`companyName`: a bare `name` is the logger's own name or an error's class.
 */
export const redactedPaths = [
  'email',
  'fullName',
  'companyName',
  'phone',
  'address',
  'vatId',
  'ip',
  '*.email',
  '*.fullName',
  '*.companyName',
  '*.phone',
  '*.address',
  '*.vatId',
  '*.ip',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["stripe-signature"]',
];

export function createLogger(config: Pick<Config, 'logLevel'>, name: string): Logger {
  return pino({
    name,
    level: config.logLevel,
    redact: { paths: redactedPaths, censor: '[redacted]' },
  });
}

export function createPool(databaseUrl: string): pg.Pool {
  return new pg.Pool({ connectionString: databaseUrl, max: 10 });
}

export function createStripe(config: Pick<Config, 'stripe'>): Stripe {
  const base = config.stripe.apiBase;
  return new Stripe(config.stripe.apiKey, {
    maxNetworkRetries: 0, // Temporal retries activities; one retry mechanism, not two
    timeout: 20_000,
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}

export function createMailTransport(smtpUrl: string): Transporter {
  return nodemailer.createTransport(smtpUrl);
}

/**
 * A Temporal client that encrypts the payloads it sends and decrypts those it reads (GDPR-1).
 * Close it with `client.connection.close()`.
 */
export async function connectTemporalClient(
  config: Pick<Config, 'temporal' | 'payloadEncryption'>,
): Promise<Client> {
  const plugin = new PayloadEncryptionPlugin(requirePayloadKeys(config));
  const connection = await Connection.connect({ address: config.temporal.address });
  return new Client({ connection, namespace: config.temporal.namespace, plugins: [plugin] });
}
