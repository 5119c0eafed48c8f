import type { InjectOptions } from 'fastify';
import { generateKey } from '../../api/keys';
import {
  allowed,
  apiRoles,
  routeIds,
  routes,
  type ApiRole,
  type RouteId,
} from '../../api/authorization';
import { buildApp } from '../../api/app';
import {
  bearer,
  createHarness,
  PROBLEM_CONTENT_TYPE,
  signUp,
  signupBody,
  stripeEvent,
  stripeWebhook,
  type Harness,
  type SignedUp,
} from './support/harness';

let h: Harness;
let other: SignedUp;

beforeAll(async () => {
  h = await createHarness();
  other = await signUp(h);
});

afterAll(async () => {
  await h.close();
});

/** Complete billing details of a German business (LTD-7, PAY-10). */
const billingBody = {
  fullName: 'Greta Muster',
  email: 'greta@example.test',
  company: 'Muster GmbH',
  street: 'Hauptstr. 1',
  city: 'Berlin',
  postcode: '10115',
  country: 'DE',
};

/** One well-formed request per route, on the account the configured owner key is bound to. */
function sample(id: RouteId, accountId: string): InjectOptions {
  const account = `/v1/accounts/${accountId}`;
  const requests: Record<RouteId, InjectOptions> = {
    'signup.create': { method: 'POST', url: '/v1/signups', payload: signupBody() },
    'owner.attachPaymentMethod': {
      method: 'POST',
      url: `${account}/payment-method`,
      payload: { paymentMethodId: 'pm_card_visa' },
    },
    'owner.stop': { method: 'POST', url: `${account}/stop` },
    'owner.changePlan': {
      method: 'POST',
      url: `${account}/plan-change`,
      payload: { planId: 'business', seats: 3, cycle: 'monthly' },
    },
    'owner.previewPlanChange': {
      method: 'POST',
      url: `${account}/plan-change/preview`,
      payload: { planId: 'business', seats: 3, cycle: 'monthly' },
    },
    'owner.get': { method: 'GET', url: account },
    'product.reportActivity': { method: 'POST', url: `${account}/activity` },
    'owner.changeSeats': { method: 'POST', url: `${account}/seats`, payload: { seats: 3 } },
    'owner.billingDetails': {
      method: 'POST',
      url: `${account}/billing-details`,
      payload: {
        fullName: 'Ada Lovelace',
        email: 'ada@example.test',
        company: 'Analytical Engines',
        street: '12 St James Square',
        city: 'London',
        postcode: 'SW1Y 4JH',
        country: 'GB',
      },
    },
    'owner.setBillingDetails': {
      method: 'POST',
      url: `${account}/billing-profile`,
      payload: { ...billingBody, vatId: 'DE123456789' },
    },
    'owner.correctBillingDetails': {
      method: 'POST',
      url: `${account}/billing-profile/correction`,
      payload: billingBody,
    },
    'gdpr.export': { method: 'GET', url: `${account}/gdpr/export` },
    'gdpr.rectify': {
      method: 'POST',
      url: `${account}/gdpr/rectify`,
      payload: { language: 'lt' },
    },
    'gdpr.erase': { method: 'POST', url: `${account}/gdpr/erase` },
    'gdpr.restrict': { method: 'POST', url: `${account}/gdpr/restrict` },
    'gdpr.unrestrict': { method: 'POST', url: `${account}/gdpr/unrestrict` },
    'gdpr.object': { method: 'POST', url: `${account}/gdpr/object` },
    'owner.marketingConsent': {
      method: 'POST',
      url: `${account}/marketing-consent`,
      payload: { marketing: true },
    },
    'coupon.redeem': {
      method: 'POST',
      url: '/v1/coupon-redemptions',
      payload: {
        requestId: `authz-${accountId}`,
        code: 'UNKNOWN-CODE-0000',
        fullName: 'Ada Lovelace',
        email: 'ada@example.test',
        companyName: 'Analytical Engines',
        ageConfirmed: true,
      },
    },
    'ops.createCampaign': {
      method: 'POST',
      url: '/v1/ops/coupon-campaigns',
      payload: {
        campaignId: 'authz-campaign',
        planId: 'team',
        currency: 'USD',
        oneTimePrice: 5900,
        redeemBy: '2019-11-30T23:59:59Z',
      },
    },
    'ops.importCodes': {
      method: 'POST',
      url: '/v1/ops/coupon-campaigns/no-such-campaign/codes',
      payload: { codes: ['AUTHZ-CODE-0001'] },
    },
    'ops.reportSharedCode': {
      method: 'POST',
      url: '/v1/ops/coupon-codes/shared',
      payload: { code: 'UNKNOWN-CODE-0000', accountIds: [accountId] },
    },
    'support.requestCancellation': {
      method: 'POST',
      url: `/v1/support/accounts/${accountId}/cancellation`,
    },
    'support.rotateOwnerKey': {
      method: 'POST',
      url: `/v1/support/accounts/${accountId}/owner-key`,
    },
    'support.get': { method: 'GET', url: `/v1/support/accounts/${accountId}` },
    'support.addPrepaidCredit': {
      method: 'POST',
      url: `/v1/support/accounts/${accountId}/prepaid-credit`,
      payload: { amount: 90000, currency: 'USD' },
    },
    'support.suspend': {
      method: 'POST',
      url: `/v1/support/accounts/${accountId}/suspension`,
      payload: { reason: 'terms_breach' },
    },
    'support.reactivate': {
      method: 'POST',
      url: `/v1/support/accounts/${accountId}/reactivation`,
      payload: { reason: 'resolved' },
    },
    'ops.terminate': {
      method: 'POST',
      url: `/v1/ops/accounts/${accountId}/termination`,
      payload: { reason: 'terms_breach' },
    },
    'ops.schedulePriceChange': {
      method: 'POST',
      url: '/v1/ops/plans/team/price-changes',
      payload: { currency: 'USD', seatPrice: { monthly: 2100, annual: 21000 } },
    },
    'ops.reportUsage': {
      method: 'POST',
      url: `/v1/ops/accounts/${accountId}/usage`,
      payload: { endUsers: 10, ticketsPerAgent: 5, seatsInUse: 2 },
    },
    'ops.reportSharedLogin': {
      method: 'POST',
      url: `/v1/ops/accounts/${accountId}/shared-login`,
    },
    'ops.list': { method: 'GET', url: '/v1/ops/accounts?limit=1' },
    'ops.get': { method: 'GET', url: `/v1/ops/accounts/${accountId}` },
    'ops.invoices': { method: 'GET', url: `/v1/ops/accounts/${accountId}/invoices` },
    'ops.timeline': { method: 'GET', url: `/v1/ops/accounts/${accountId}/timeline` },
    'webhooks.stripe': stripeWebhook(stripeEvent('customer.created', { id: 'cus_authz' })),
    'health.live': { method: 'GET', url: '/health' },
    'health.ready': { method: 'GET', url: '/ready' },
    'docs.openapi': { method: 'GET', url: '/openapi.json' },
    'docs.ui': { method: 'GET', url: '/docs' },
    'docs.static': { method: 'GET', url: '/docs/static/swagger-ui.css' },
  };
  return requests[id];
}

function keyFor(role: ApiRole): string {
  return role === 'owner' ? h.configOwnerKey : h.keys[role];
}

const matrix = routeIds.flatMap((id) => apiRoles.map((role) => [id, role] as const));

describe('the authorization matrix', () => {
  it('has every route of the app, and the app has every route of the matrix', () => {
    for (const id of routeIds) {
      const { method, url } = routes[id];
      expect(h.app.hasRoute({ method, url })).toBe(true);
    }
  });

  it.each(matrix)('%s as %s: allowed exactly when the matrix says so', async (id, role) => {
    const request = sample(id, h.configOwnerAccountId);
    const response = await h.app.inject({
      ...request,
      headers: { ...request.headers, ...bearer(keyFor(role)) },
    });
    if (allowed(id, role)) {
      expect([401, 403]).not.toContain(response.statusCode);
      expect(response.statusCode).toBeLessThan(500);
    } else {
      expect(response.statusCode).toBe(403);
      expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
      expect(response.json()).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    }
  });

  const nonPublic = routeIds.filter((id) => Array.isArray(routes[id].roles));
  const signed = routeIds.filter((id) => routes[id].roles === 'stripe-signature');
  const publicRoutes = routeIds.filter((id) => routes[id].roles === 'public');

  it.each(nonPublic)('%s without a key answers 401 with a Bearer challenge', async (id) => {
    const response = await h.app.inject(sample(id, h.configOwnerAccountId));
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  const badKeys: [string, Record<string, string>][] = [
    ['an unknown key', bearer(generateKey())],
    ['a key in the wrong scheme', { authorization: `Basic ${generateKey()}` }],
    ['a truncated key', bearer(generateKey().slice(0, 20))],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['a key in another header', { 'x-api-key': generateKey() }],
  ];
  const badKeyCases = nonPublic.flatMap((id) =>
    badKeys.map(([name, headers]) => [id, name, headers] as const),
  );
  it.each(badKeyCases)('%s with %s answers 401', async (id, _name, headers) => {
    const request = sample(id, h.configOwnerAccountId);
    const response = await h.app.inject({
      ...request,
      headers: { ...request.headers, ...headers },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it.each(signed)('%s needs no key: the Stripe signature alone lets it in', async (id) => {
    const response = await h.app.inject(sample(id, h.configOwnerAccountId));
    expect(response.statusCode).toBe(200);
  });

  const unsignedCases = signed.flatMap((id) => apiRoles.map((role) => [id, role] as const));
  it.each(unsignedCases)('%s: a %s key without a signature is refused', async (id, role) => {
    const request = sample(id, h.configOwnerAccountId);
    const headers = { ...(request.headers as Record<string, string>) };
    delete headers['stripe-signature'];
    const response = await h.app.inject({
      ...request,
      headers: { ...headers, ...bearer(keyFor(role)) },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID' });
  });

  it.each(publicRoutes)('%s needs no key', async (id) => {
    const response = await h.app.inject(sample(id, h.configOwnerAccountId));
    expect(response.statusCode).toBe(200);
  });

  const ownerRoutes = routeIds.filter(
    (id) => allowed(id, 'owner') && Array.isArray(routes[id].roles),
  );
  it.each(ownerRoutes)('%s: an owner key of another account answers 403', async (id) => {
    const request = sample(id, h.configOwnerAccountId);
    const response = await h.app.inject({ ...request, headers: bearer(other.ownerKey) });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'FORBIDDEN' });
  });

  it.each(ownerRoutes)(
    '%s: an owner key issued at signup works for its own account',
    async (id) => {
      const request = sample(id, other.accountId);
      const response = await h.app.inject({ ...request, headers: bearer(other.ownerKey) });
      expect([401, 403]).not.toContain(response.statusCode);
    },
  );

  it('a revoked owner key answers 401 everywhere', async () => {
    const signed = await signUp(h);
    await h.pool.query('UPDATE api_owner_keys SET revoked_at = now() WHERE account_id = $1', [
      signed.accountId,
    ]);
    for (const id of ownerRoutes) {
      const request = sample(id, signed.accountId);
      const response = await h.app.inject({ ...request, headers: bearer(signed.ownerKey) });
      expect(response.statusCode).toBe(401);
    }
  });

  it('keys never reach a log line', async () => {
    await h.app.inject({ url: '/v1/ops/accounts', headers: bearer(h.keys.ops) });
    await h.app.inject({ url: '/v1/ops/accounts', headers: bearer(h.keys.support) });
    const logs = h.logLines.join('\n');
    for (const key of [...Object.values(h.keys), h.configOwnerKey, other.ownerKey]) {
      expect(logs).not.toContain(key);
    }
  });

  it('buildApp refuses a route that is not in the matrix, or differs from it', () => {
    const app = buildApp(h.deps);
    expect(() => app.get('/v1/rogue', () => ({ rogue: true }))).toThrow(
      /not in the authorization matrix/,
    );
    expect(() =>
      app.get('/v1/ops/everything', { config: { routeId: 'ops.list' } }, () => ({})),
    ).toThrow(/ops.list is GET \/v1\/ops\/accounts/);
  });
});

describe('rate limits per key', () => {
  let limited: Harness;

  beforeAll(async () => {
    limited = await createHarness({ rateLimit: { perKeyPerMinute: 3 } });
  });

  afterAll(async () => {
    await limited.close();
  });

  it('the fourth request of a key within the minute answers 429; other keys are not slowed', async () => {
    const list = (key: string) =>
      limited.app.inject({ url: '/v1/ops/accounts?limit=1', headers: bearer(key) });
    for (let index = 0; index < 3; index += 1) {
      expect((await list(limited.keys.ops)).statusCode).toBe(200);
    }
    const refused = await list(limited.keys.ops);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(refused.headers['retry-after']).toBeDefined();

    const support = await limited.app.inject({
      url: `/v1/support/accounts/${limited.configOwnerAccountId}`,
      headers: bearer(limited.keys.support),
    });
    expect(support.statusCode).toBe(200);
  });

  it('health checks are never rate-limited', async () => {
    for (let index = 0; index < 6; index += 1) {
      expect((await limited.app.inject({ url: '/health' })).statusCode).toBe(200);
    }
  });
});
