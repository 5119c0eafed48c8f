import { buildApp, safeError } from '../../api/app';
import { routeIds, routes } from '../../api/authorization';
import { errorCodes } from '../../api/errors';
import { accountView as fakeView } from './support/fake-gateway';
import {
  bearer,
  createHarness,
  PROBLEM_CONTENT_TYPE,
  signUp,
  type Harness,
} from './support/harness';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => {
  jest.clearAllMocks();
});

describe('GET /health and GET /ready', () => {
  it('/health answers while the process runs, without asking anyone', async () => {
    const response = await h.app.inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    expect(h.gateway.ping).not.toHaveBeenCalled();
  });

  it('/ready checks Temporal and Postgres', async () => {
    const response = await h.app.inject({ url: '/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ready',
      checks: { temporal: 'ok', postgres: 'ok' },
    });
    expect(h.gateway.ping).toHaveBeenCalledTimes(1);
  });

  it('/ready answers 503 naming what is down when Temporal cannot be reached', async () => {
    h.gateway.ping.mockRejectedValueOnce(new Error('14 UNAVAILABLE'));
    const response = await h.app.inject({ url: '/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'unavailable',
      checks: { temporal: 'unavailable', postgres: 'ok' },
    });
  });

  it('/ready gives up on a check that hangs', async () => {
    h.gateway.ping.mockReturnValueOnce(new Promise(() => undefined));
    const response = await h.app.inject({ url: '/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ checks: { temporal: 'unavailable' } });
  });
});

describe('the OpenAPI document and /docs', () => {
  interface Operation {
    security?: unknown[];
    requestBody?: { content: Record<string, { schema: { additionalProperties?: boolean } }> };
    responses: Record<string, unknown>;
  }
  let document: { openapi: string; paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    const response = await h.app.inject({ url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    document = response.json();
  });

  it('is OpenAPI 3.1 and describes every versioned route with its key requirement', () => {
    expect(document.openapi).toBe('3.1.0');
    for (const id of routeIds) {
      const { method, url, roles } = routes[id];
      if (!url.startsWith('/v1')) continue;
      const path = url.replace(/:(\w+)/g, '{$1}');
      const operation = document.paths[path]?.[method.toLowerCase()];
      expect(operation).toBeDefined();
      expect(operation.security).toEqual(roles === 'public' ? undefined : [{ apiKey: [] }]);
      expect(Object.keys(operation.responses)).toEqual(
        expect.arrayContaining(['400', '401', '403', '429', '500']),
      );
    }
  });

  it('documents request bodies that refuse unknown properties', () => {
    const bodies = Object.values(document.paths)
      .flatMap((methods) => Object.values(methods))
      .map((operation) => operation.requestBody?.content['application/json']?.schema)
      .filter((schema) => schema !== undefined);
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    for (const schema of bodies) expect(schema.additionalProperties).toBe(false);
  });

  it('lists every error code in the problem schema', () => {
    const text = JSON.stringify(document);
    for (const code of Object.keys(errorCodes)) expect(text).toContain(code);
  });

  it('/docs is a browsable page over /openapi.json, with its assets', async () => {
    const page = await h.app.inject({ url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('/openapi.json');
    for (const asset of [
      'swagger-ui.css',
      'swagger-ui-bundle.js',
      'swagger-ui-standalone-preset.js',
    ]) {
      const response = await h.app.inject({ url: `/docs/static/${asset}` });
      expect(response.statusCode).toBe(200);
      expect(response.rawPayload.length).toBeGreaterThan(1000);
    }
    const traversal = await h.app.inject({ url: '/docs/static/..%2F..%2Fpackage.json' });
    expect(traversal.statusCode).toBe(400);
    expect(traversal.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
  });
});

describe('problem documents and logs', () => {
  it('an unknown route is a 404 problem document', async () => {
    const response = await h.app.inject({ url: '/v2/nothing' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toEqual({
      type: 'urn:billing:problem:not-found',
      title: 'No such route',
      status: 404,
      detail: 'No such route',
      code: 'NOT_FOUND',
      requestId: response.headers['x-request-id'],
    });
  });

  it('a malformed URL is a 400 problem document', async () => {
    const response = await h.app.inject({
      url: '/v1/accounts/%E0%A4%A',
      headers: bearer(h.keys.ops),
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
  });

  it('every problem carries the request id, which the caller may choose', async () => {
    const response = await h.app.inject({
      url: '/v1/ops/accounts',
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['x-request-id']).toBe('trace-123');
    expect(response.json()).toMatchObject({ requestId: 'trace-123' });
  });

  it('every log line of a request carries its request id and no personal data', async () => {
    const before = h.logLines.length;
    const signed = await signUp(h, { fullName: 'Katherine Johnson' });
    await h.app.inject({
      url: `/v1/accounts/${signed.accountId}`,
      headers: bearer(signed.ownerKey),
    });
    const lines = h.logLines
      .slice(before)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line.reqId).toEqual(expect.any(String));
    const text = h.logLines.slice(before).join('\n');
    expect(text).not.toContain('Katherine');
    expect(text).not.toContain(signed.body.email as string);
    expect(lines.some((line) => line.accountId === signed.accountId)).toBe(true);
  });

  it('every error code has a status, a title and a problem type of its own', () => {
    const types = new Set<string>();
    for (const [code, spec] of Object.entries(errorCodes)) {
      expect(code).toMatch(/^[A-Z][A-Z_]+$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.title.length).toBeGreaterThan(5);
      types.add(code.toLowerCase());
    }
    expect(types.size).toBe(Object.keys(errorCodes).length);
  });
});

describe('closing', () => {
  it('finishes requests in flight before closing, and takes no new ones', async () => {
    const app = buildApp(h.deps);
    let release: () => void = () => undefined;
    h.gateway.state.mockImplementationOnce(
      (accountId) =>
        new Promise((resolve) => {
          release = () => resolve({ ...fakeView(accountId) });
        }),
    );
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const inFlight = fetch(`${url}/v1/support/accounts/${h.configOwnerAccountId}`, {
      headers: bearer(h.keys.support),
    });
    await waitFor(() => h.gateway.state.mock.calls.length > 0);
    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    const started = Date.now();
    await closing;
    // Not held open by the caller's keep-alive connection.
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('error log lines', () => {
  it('keep what Postgres refused out of the log, and the rest of an error in it', () => {
    const pgError = Object.assign(
      new Error('invalid input syntax for type integer: "grace@example.test"'),
      {
        severity: 'ERROR',
        code: '22P02',
        detail: 'Key (email)=(grace@example.test)',
        routine: 'pg_strtoint32_safe',
      },
    );
    const logged = JSON.stringify(safeError(pgError));
    expect(logged).not.toContain('grace@example.test');
    expect(logged).toContain('22P02');
    expect(JSON.stringify(safeError(new Error('connect ECONNREFUSED')))).toContain('ECONNREFUSED');
  });
});
