/**
 * Outbound webhooks to the product: `account.deleted` when an account's data has been erased
 * (CAN-3, INACT-2), so that the product deletes its own content too.
 *
 * Signed like Stripe's: header `Billing-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>" with the shared secret>`. The receiver recomputes it and rejects stale
 * timestamps. Any answer but 2xx (or no answer) fails the activity, and Temporal retries it
 * until the product acknowledges; the event id (`Billing-Event-Id`, also in the body) lets
 * the product ignore a repeat.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { BillingActivities } from './contract';
import { activityLogger } from './log';

export interface ProductWebhook {
  readonly url: URL;
  readonly secret: string;
}

export const SIGNATURE_HEADER = 'billing-signature';
export const EVENT_ID_HEADER = 'billing-event-id';
const TIMEOUT_MS = 10_000;

export function signPayload(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** Checks a `Billing-Signature` header (for the product's side, and for tests). */
export function verifySignature(args: {
  readonly secret: string;
  readonly header: string;
  readonly body: string;
  readonly nowSeconds: number;
  readonly toleranceSeconds?: number;
}): boolean {
  const parts = new Map(
    args.header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isInteger(timestamp)) return false;
  if (Math.abs(args.nowSeconds - timestamp) > (args.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signPayload(args.secret, timestamp, args.body), 'hex');
  const actual = Buffer.from(given, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function createWebhookActivities(deps: {
  readonly webhook: ProductWebhook | null;
  readonly logger: Logger;
  readonly now?: () => number;
}): Pick<BillingActivities, 'notifyAccountDeleted'> {
  const now = deps.now ?? Date.now;
  return {
    async notifyAccountDeleted({ accountId, reason, erasedAt, idempotencyKey }) {
      const log = activityLogger(deps.logger, 'notifyAccountDeleted', {
        accountId,
        idempotencyKey,
      });
      if (!deps.webhook) {
        log.warn('no product webhook configured; account.deleted not sent');
        return { delivered: false };
      }
      const body = JSON.stringify({
        id: idempotencyKey,
        type: 'account.deleted',
        data: { accountId, reason, erasedAt: new Date(erasedAt).toISOString() },
      });
      const timestamp = Math.floor(now() / 1000);
      const response = await fetch(deps.webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: `t=${timestamp},v1=${signPayload(deps.webhook.secret, timestamp, body)}`,
          [EVENT_ID_HEADER]: idempotencyKey,
        },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) {
        // Retried by Temporal until the product acknowledges.
        throw new Error(`The product answered account.deleted with HTTP ${response.status}`);
      }
      log.info({ status: response.status }, 'account.deleted acknowledged');
      return { delivered: true };
    },
  };
}
