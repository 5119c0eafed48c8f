/**
 * A local HTTP server standing in for the Stripe API, under the test's control: every request
 * is recorded (method, path, idempotency key, form parameters) and answered by the test's
 * handler, which may also forward it to stripe-mock so that Stripe's schema validates it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StripeRequest {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey: string | null;
  /** The form-encoded parameters, keys as sent (`metadata[invoiceId]`). */
  readonly params: Readonly<Record<string, string>>;
  readonly rawBody: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface StripeResponse {
  readonly status: number;
  readonly body: unknown;
}

export type StripeHandler = (request: StripeRequest) => StripeResponse | Promise<StripeResponse>;

export interface StripeDouble {
  readonly base: URL;
  readonly requests: StripeRequest[];
  /** Replaces the handler for the requests that follow. */
  respond(handler: StripeHandler): void;
  stop(): Promise<void>;
}

export async function startStripeDouble(initial: StripeHandler): Promise<StripeDouble> {
  let handler = initial;
  const requests: StripeRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: string[] = [];
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = chunks.join('');
      const url = new URL(req.url ?? '/', 'http://stripe.double');
      const form = req.method === 'GET' ? url.searchParams : new URLSearchParams(rawBody);
      const key = req.headers['idempotency-key'];
      const request: StripeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        idempotencyKey: typeof key === 'string' ? key : null,
        params: Object.fromEntries(form.entries()),
        rawBody,
        headers: req.headers,
      };
      requests.push(request);
      Promise.resolve(handler(request)).then(
        (response) => {
          res.writeHead(response.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(response.body));
        },
        (error: Error) => {
          res.writeHead(599, { 'content-type': 'text/plain' });
          res.end(`stripe double handler failed: ${error.message}`);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: new URL(`http://127.0.0.1:${port}`),
    requests,
    respond(next) {
      handler = next;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A handler that passes the request on to stripe-mock and returns its answer. */
export function forwardTo(target: URL): StripeHandler {
  return async (request) => {
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'idempotency-key', 'stripe-version']) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const response = await fetch(new URL(request.path, target), {
      method: request.method,
      headers,
      ...(request.method === 'GET' ? {} : { body: request.rawBody }),
    });
    return { status: response.status, body: await response.json() };
  };
}

/** A Stripe error body, as the API returns it. */
export function stripeError(
  status: number,
  error: { type: string; message: string; code?: string; decline_code?: string; param?: string },
): StripeResponse {
  return { status, body: { error } };
}
