/**
 * A local Stripe stand-in for running the platform without a Stripe account (`npm start`) and
 * for end-to-end tests: every request goes to stripe-mock, which validates it against Stripe's
 * OpenAPI description and answers with its fixtures. Three behaviours stripe-mock cannot show
 * are added on top, the way Stripe's test mode behaves:
 *
 * - a confirmed PaymentIntent comes back `succeeded` (stripe-mock always answers
 *   `requires_payment_method`), with the amount, currency, customer and metadata sent;
 * - Stripe's test token `pm_card_chargeDeclined` (or any `pm_…_chargeDeclined`) is declined
 *   with a 402 `card_error`;
 * - an `Idempotency-Key` seen before replays the first answer (stripe-mock ignores the header),
 *   so a retried charge never becomes a second charge.
 *
 * `charges()` lists the successful PaymentIntents, for tests that count money movements.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SandboxCharge {
  readonly id: string;
  readonly amount: number;
  readonly currency: string;
  readonly idempotencyKey: string | null;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface StripeSandbox {
  readonly url: string;
  charges(): readonly SandboxCharge[];
  stop(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

const forwardedHeaders = ['authorization', 'content-type', 'stripe-version', 'idempotency-key'];

export async function startStripeSandbox(
  stripeMockUrl: string,
  options: { readonly port?: number } = {},
): Promise<StripeSandbox> {
  const target = new URL(stripeMockUrl);
  const replays = new Map<string, Answer>();
  const charges: SandboxCharge[] = [];
  let sequence = 0;

  async function answer(
    method: string,
    path: string,
    headers: http.IncomingHttpHeaders,
    body: string,
  ): Promise<Answer> {
    const forward: Record<string, string> = {};
    for (const name of forwardedHeaders) {
      const value = headers[name];
      if (typeof value === 'string') forward[name] = value;
    }
    const response = await fetch(new URL(path, target), {
      method,
      headers: forward,
      ...(method === 'GET' || method === 'DELETE' ? {} : { body }),
    });
    const text = await response.text();
    if (
      method !== 'POST' ||
      !response.ok ||
      !/^\/v1\/payment_intents(\/[^/]+\/confirm)?$/.test(path)
    ) {
      return { status: response.status, body: text };
    }
    const params = new URLSearchParams(body);
    const confirmed = params.get('confirm') === 'true' || path.endsWith('/confirm');
    if (!confirmed) return { status: response.status, body: text };

    const paymentMethod = params.get('payment_method') ?? '';
    if (/chargeDeclined$/.test(paymentMethod)) {
      return {
        status: 402,
        body: JSON.stringify({
          error: {
            type: 'card_error',
            code: 'card_declined',
            decline_code: 'generic_decline',
            message: 'Your card was declined.',
          },
        }),
      };
    }
    sequence += 1;
    const metadata: Record<string, string> = {};
    for (const [key, value] of params) {
      const match = /^metadata\[(.+)\]$/.exec(key);
      if (match) metadata[match[1]] = value;
    }
    const intent = JSON.parse(text) as Record<string, unknown>;
    const charge: SandboxCharge = {
      id: `pi_sandbox_${String(sequence).padStart(6, '0')}`,
      amount: Number(params.get('amount')),
      currency: params.get('currency') ?? 'usd',
      idempotencyKey:
        typeof headers['idempotency-key'] === 'string' ? headers['idempotency-key'] : null,
      metadata,
    };
    charges.push(charge);
    return {
      status: 200,
      body: JSON.stringify({
        ...intent,
        id: charge.id,
        status: 'succeeded',
        amount: charge.amount,
        amount_received: charge.amount,
        currency: charge.currency,
        customer: params.get('customer'),
        payment_method: paymentMethod,
        metadata,
      }),
    };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const key = req.headers['idempotency-key'];
      const replayKey = method === 'POST' && typeof key === 'string' ? `${path} ${key}` : null;
      const replayed = replayKey ? replays.get(replayKey) : undefined;
      const reply = (result: Answer): void => {
        res.writeHead(result.status, {
          'content-type': 'application/json',
          ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
        });
        res.end(result.body);
      };
      if (replayed) return reply(replayed);
      answer(method, path, req.headers, body).then(
        (result) => {
          // Stripe stores the first answer to a key, errors included, except server errors.
          if (replayKey && result.status < 500) replays.set(replayKey, result);
          reply(result);
        },
        (error: Error) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { type: 'api_error', message: error.message } }));
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    charges: () => [...charges],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
