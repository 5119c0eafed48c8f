/**
 * Hostile input, generated from the OpenAPI document itself: for every operation, requests
 * that are almost right (values drawn from the schemas) and requests that are wrong in every
 * way (wrong types, missing and extra fields, control characters, huge and deep values, card
 * numbers, prototype keys, malformed JSON, wrong keys). The API must never answer 5xx, and
 * every 4xx must be a problem document.
 */
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { refusalTypes } from '../../workflows/messages';
import { generateKey } from '../../api/keys';
import { refusal } from './support/fake-gateway';
import { bearer, createHarness, signUp, type Harness, type SignedUp } from './support/harness';

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  examples?: unknown[];
}

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  schema: JsonSchema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  security?: unknown[];
}

interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
}

let h: Harness;
let owner: SignedUp;
let document: OpenApi;

beforeAll(async () => {
  h = await createHarness();
  owner = await signUp(h);
  document = (await h.app.inject({ url: '/openapi.json' })).json<OpenApi>();
});

afterAll(async () => {
  await h.close();
});

const CARD = '4242 4242 4242 4242';

/** Strings nobody should send, but somebody will. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\u202e',
    '../../etc/passwd',
    '%00',
    '%zz',
    "' OR 1=1 --",
    '<script>alert(1)</script>',
    '{{7*7}}',
    '__proto__',
    'constructor',
    CARD,
    '4000-0566-5566-5556',
    'x'.repeat(5000),
    '9'.repeat(30),
    'acc_000000000000000000000000',
    'pm_card_visa',
  ),
);

/** Values of any JSON type, sometimes nested deeply. */
const anyJson = fc.oneof(
  nasty,
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER),
  fc.integer({ min: 1, max: 60 }).map((depth) => {
    let value: unknown = 'deep';
    for (let index = 0; index < depth; index += 1) value = { nested: value };
    return value;
  }),
);

/** A value the schema allows (most of the time), drawn from what it says. */
function valid(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.examples && schema.examples.length > 0) {
    const { examples, ...rest } = schema;
    return fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...examples) },
      { weight: 1, arbitrary: valid(rest) },
    );
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(valid));
  switch (schema.type) {
    case 'string':
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.pattern)
        return fc
          .stringMatching(new RegExp(schema.pattern))
          .map((value) => value.slice(0, schema.maxLength ?? 5000));
      return fc.string({ maxLength: Math.min(schema.maxLength ?? 40, 40) });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'object': {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const entries = Object.entries(properties).map(
        ([name, child]) =>
          [
            name,
            required.has(name) ? valid(child) : fc.option(valid(child), { nil: undefined }),
          ] as const,
      );
      return fc.record(Object.fromEntries(entries));
    }
    default:
      return anyJson;
  }
}

/** A value near the schema: valid, or broken in one of many ways. */
function hostile(schema: JsonSchema): fc.Arbitrary<unknown> {
  const base = valid(schema);
  if (schema.type !== 'object')
    return fc.oneof({ weight: 3, arbitrary: base }, { weight: 2, arbitrary: anyJson });
  const names = Object.keys(schema.properties ?? {});
  return fc.oneof(
    { weight: 3, arbitrary: base },
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          base,
          names.length > 0 ? fc.constantFrom(...names) : fc.constant('x'),
          fc.oneof({ weight: 2, arbitrary: nasty }, { weight: 1, arbitrary: anyJson }),
          fc.constantFrom('replace', 'taint', 'taint', 'taint', 'drop', 'extra', 'proto'),
          fc.constantFrom(
            '\u0000',
            '\u0007',
            '\n',
            '\r\n',
            '\t',
            '\ud800',
            '\udfff',
            '\u202e',
            '\ufeff',
            CARD,
          ),
        )
        .map(([value, name, replacement, how, special]) => {
          const object = { ...(value as Record<string, unknown>) };
          if (how === 'taint') {
            const text = typeof object[name] === 'string' ? object[name] : 'text';
            const at = Math.floor(text.length / 2);
            object[name] = `${text.slice(0, at)}${special}${text.slice(at)}`;
          }
          if (how === 'replace') object[name] = replacement;
          if (how === 'drop') delete object[name];
          if (how === 'extra') object[`extra_${name}`] = replacement;
          if (how === 'proto')
            return JSON.parse(
              `{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "${name}": ${JSON.stringify(replacement) ?? 'null'}}`,
            ) as unknown;
          return object;
        }),
    },
    { weight: 1, arbitrary: anyJson },
  );
}

/** The key this path's callers hold. */
function rightKey(path: string): () => Record<string, string> {
  if (path.startsWith('/v1/signups')) return () => bearer(h.keys.signup);
  if (path.startsWith('/v1/accounts')) return () => bearer(owner.ownerKey);
  if (path.startsWith('/v1/support')) return () => bearer(h.keys.support);
  if (path.startsWith('/v1/ops')) return () => bearer(h.keys.ops);
  return () => ({});
}

const anyAuth = fc.oneof(
  fc.constantFrom<() => Record<string, string>>(
    () => bearer(h.keys.signup),
    () => bearer(h.keys.support),
    () => bearer(h.keys.ops),
    () => bearer(owner.ownerKey),
    () => bearer(h.configOwnerKey),
    () => ({}),
    () => bearer(generateKey()),
    () => ({ authorization: 'Bearer' }),
    () => ({ authorization: `Basic ${Buffer.from('ops:ops').toString('base64')}` }),
  ),
);

const headerText = fc
  .string({ unit: 'binary-ascii', maxLength: 60 })
  .map((value) => value.replace(/[^\x20-\x7e]/g, ''));

function pathValue(schema: JsonSchema, name: string): fc.Arbitrary<string> {
  const own =
    name === 'accountId'
      ? fc.constantFrom(owner.accountId, h.configOwnerAccountId)
      : fc.constant('x');
  return fc.oneof(
    { weight: 3, arbitrary: own },
    { weight: 2, arbitrary: valid(schema).map(String) },
    {
      weight: 2,
      arbitrary: nasty.map((value) => encodeURIComponent(value.replace(/[\ud800-\udfff]/g, ''))),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '.', 'a%2Fb', '4242424242424242'),
    },
  );
}

function requestFor(
  path: string,
  method: string,
  operation: Operation,
): fc.Arbitrary<InjectOptions> {
  const parameters = operation.parameters ?? [];
  const pathParams = parameters.filter((parameter) => parameter.in === 'path');
  const queryParams = parameters.filter((parameter) => parameter.in === 'query');
  const bodySchema = operation.requestBody?.content['application/json']?.schema;

  const pathArb = fc
    .tuple(...pathParams.map((parameter) => pathValue(parameter.schema, parameter.name)))
    .map((values) =>
      pathParams.reduce(
        (url, parameter, index) => url.replace(`{${parameter.name}}`, values[index]),
        path,
      ),
    );

  const queryArb = fc
    .tuple(
      fc.tuple(
        ...queryParams.map((parameter) =>
          fc.option(fc.oneof(valid(parameter.schema), anyJson), { nil: undefined }),
        ),
      ),
      fc.option(fc.tuple(fc.string({ maxLength: 10 }), nasty), { nil: undefined }),
    )
    .map(([values, extra]) => {
      const query = new URLSearchParams();
      queryParams.forEach((parameter, index) => {
        const value = values[index];
        if (value !== undefined)
          query.append(parameter.name, typeof value === 'string' ? value : JSON.stringify(value));
      });
      if (extra) query.append(extra[0], extra[1]);
      const text = query.toString().replace(/%EF%BF%BD/g, '');
      return text ? `?${text}` : '';
    });

  const bodyArb: fc.Arbitrary<{ payload?: string; contentType?: string }> = fc.oneof(
    {
      weight: 6,
      arbitrary: (bodySchema ? hostile(bodySchema) : fc.option(anyJson, { nil: undefined })).map(
        (value) =>
          value === undefined
            ? {}
            : { payload: JSON.stringify(value) ?? 'null', contentType: 'application/json' },
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .string({ maxLength: 50 })
        .map((text) => ({ payload: text, contentType: 'application/json' })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=x',
          'application/json; charset=latin1',
          'application/x-www-form-urlencoded',
        )
        .chain((contentType) => nasty.map((payload) => ({ payload, contentType }))),
    },
  );

  const headersArb = fc.record({
    auth: fc.oneof(
      { weight: 4, arbitrary: fc.constant(rightKey(path)) },
      { weight: 1, arbitrary: anyAuth },
    ),
    idempotency: fc.option(fc.oneof(fc.uuid(), headerText, fc.constant(CARD)), { nil: undefined }),
    requestId: fc.option(headerText, { nil: undefined }),
    extra: fc.option(fc.tuple(fc.stringMatching(/^x-[a-z]{1,10}$/), headerText), {
      nil: undefined,
    }),
  });

  return fc.tuple(pathArb, queryArb, bodyArb, headersArb).map(([url, query, body, headers]) => {
    const all: Record<string, string> = { ...headers.auth() };
    if (headers.idempotency !== undefined) all['idempotency-key'] = headers.idempotency;
    if (headers.requestId !== undefined) all['x-request-id'] = headers.requestId;
    if (headers.extra) all[headers.extra[0]] = headers.extra[1];
    if (body.contentType) all['content-type'] = body.contentType;
    const options: InjectOptions = {
      method: method.toUpperCase(),
      url: `${url}${query}`,
      headers: all,
    };
    return body.payload === undefined ? options : { ...options, payload: body.payload };
  });
}

describe('hostile input generated from the OpenAPI document', () => {
  it('never answers 5xx, and every 4xx is a problem document', async () => {
    // The workflow refuses every third command, in turn with each of its refusals.
    const healthy = h.gateway.attachPaymentMethod.getMockImplementation()!;
    let commands = 0;
    h.gateway.attachPaymentMethod.mockImplementation((...args) => {
      commands += 1;
      const type = refusalTypes[Math.floor(commands / 3) % refusalTypes.length];
      return commands % 3 === 0 ? Promise.reject(refusal(type)) : healthy(...args);
    });

    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    const counts = { requests: 0, byStatus: new Map<number, number>() };

    for (const { path, method, operation } of operations) {
      await fc.assert(
        fc.asyncProperty(requestFor(path, method, operation), async (request) => {
          const response = await h.app.inject(request);
          counts.requests += 1;
          counts.byStatus.set(
            response.statusCode,
            (counts.byStatus.get(response.statusCode) ?? 0) + 1,
          );
          const where = `${request.method ?? 'GET'} ${typeof request.url === 'string' ? request.url : JSON.stringify(request.url)} -> ${response.statusCode} ${response.body.slice(0, 300)}`;
          expect({ where, status: response.statusCode < 500 }).toEqual({ where, status: true });
          if (response.statusCode >= 400) {
            expect({ where, type: response.headers['content-type'] }).toEqual({
              where,
              type: expect.stringMatching(/^application\/problem\+json/) as unknown,
            });
            const problem = response.json<Record<string, unknown>>();
            expect(problem).toMatchObject({
              type: expect.stringMatching(/^urn:billing:problem:/) as unknown,
              title: expect.any(String) as unknown,
              status: response.statusCode,
              detail: expect.any(String) as unknown,
              code: expect.stringMatching(/^[A-Z_]+$/) as unknown,
            });
          }
        }),
        { numRuns: operation.requestBody ? 500 : 80 },
      );
    }

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const summary = [...counts.byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}: ${n}`)
      .join(', ');
    console.log(
      `hostile input: ${counts.requests} requests over ${operations.length} operations (${summary})`,
    );
    expect(counts.requests).toBeGreaterThanOrEqual(operations.length * 80);
  });
});
