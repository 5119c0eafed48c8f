/**
 * CAN-3: the signed `account.deleted` webhook against a local HTTP receiver the test controls.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import {
  createWebhookActivities,
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  verifySignature,
} from '../../activities/webhooks';

const secret = 'whsec_product_test_secret_of_32_chars!';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let server: Server;
let url: URL;
const received: Received[] = [];
/** Status codes the receiver answers with, in order; 204 once they run out. */
const answers: number[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = answers.shift() ?? 204;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/billing`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
  answers.length = 0;
});

const input = {
  accountId: 'acc_0123456789abcdef01234567',
  reason: 'cancelled' as const,
  erasedAt: Date.UTC(2026, 5, 1, 12),
  idempotencyKey: 'acc_0123456789abcdef01234567:webhook:account.deleted',
};

describe('notifyAccountDeleted', () => {
  test('CAN-3: account.deleted is signed with HMAC-SHA256 over the timestamp and body', async () => {
    const now = Date.UTC(2026, 5, 1, 12, 0, 5);
    const activities = createWebhookActivities({
      webhook: { url, secret },
      logger: pino({ level: 'silent' }),
      now: () => now,
    });
    await expect(activities.notifyAccountDeleted(input)).resolves.toEqual({ delivered: true });

    expect(received).toHaveLength(1);
    const [{ headers, body }] = received;
    expect(headers['content-type']).toBe('application/json');
    expect(headers[EVENT_ID_HEADER]).toBe(input.idempotencyKey);
    expect(JSON.parse(body)).toEqual({
      id: input.idempotencyKey,
      type: 'account.deleted',
      data: {
        accountId: input.accountId,
        reason: 'cancelled',
        erasedAt: '2026-06-01T12:00:00.000Z',
      },
    });
    const signature = String(headers[SIGNATURE_HEADER]);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const nowSeconds = Math.floor(now / 1000);
    expect(verifySignature({ secret, header: signature, body, nowSeconds })).toBe(true);
    // A different secret, a changed body or a stale timestamp does not verify.
    expect(verifySignature({ secret: `${secret}x`, header: signature, body, nowSeconds })).toBe(
      false,
    );
    expect(
      verifySignature({
        secret,
        header: signature,
        body: body.replace('cancelled', 'x'),
        nowSeconds,
      }),
    ).toBe(false);
    expect(verifySignature({ secret, header: signature, body, nowSeconds: nowSeconds + 301 })).toBe(
      false,
    );
  });

  test('CAN-3: an answer other than 2xx fails the activity so that Temporal retries it; the event id stays', async () => {
    const activities = createWebhookActivities({
      webhook: { url, secret },
      logger: pino({ level: 'silent' }),
    });
    answers.push(500, 404);
    await expect(activities.notifyAccountDeleted(input)).rejects.toThrow('HTTP 500');
    await expect(activities.notifyAccountDeleted(input)).rejects.toThrow('HTTP 404');
    await expect(activities.notifyAccountDeleted(input)).resolves.toEqual({ delivered: true });
    expect(received.map((r) => r.headers[EVENT_ID_HEADER])).toEqual([
      input.idempotencyKey,
      input.idempotencyKey,
      input.idempotencyKey,
    ]);
  });

  test('CAN-3: without a configured webhook nothing is sent and the erasure is not held up', async () => {
    const activities = createWebhookActivities({
      webhook: null,
      logger: pino({ level: 'silent' }),
    });
    await expect(activities.notifyAccountDeleted(input)).resolves.toEqual({ delivered: false });
    expect(received).toHaveLength(0);
  });
});
