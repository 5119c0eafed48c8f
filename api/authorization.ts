/**
 * The one authorization matrix: every route of the API, and which roles may call it.
 * The auth hook reads nothing else, and `buildApp` refuses to start if a route is missing.
 *
 * Owner keys are bound to one account: on routes with an `:accountId`, an owner may only
 * name its own (`ownAccountOnly`).
 */
import { apiRoles, type ApiRole } from '../infra/config';

export { apiRoles, type ApiRole };

export interface RouteAccess {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /**
   * Roles allowed; `public` routes need no key at all; `stripe-signature` routes take no key
   * either, and are authenticated by the Stripe-Signature over the raw body instead.
   */
  readonly roles: readonly ApiRole[] | 'public' | 'stripe-signature';
  /** For owners: the `:accountId` in the path must be the key's own account. */
  readonly ownAccountOnly?: boolean;
}

export const routes = {
  'signup.create': { method: 'POST', url: '/v1/signups', roles: ['signup'] },
  'owner.attachPaymentMethod': {
    method: 'POST',
    url: '/v1/accounts/:accountId/payment-method',
    roles: ['owner'],
    ownAccountOnly: true,
  },
  'owner.stop': {
    method: 'POST',
    url: '/v1/accounts/:accountId/stop',
    roles: ['owner'],
    ownAccountOnly: true,
  },
  'owner.changePlan': {
    method: 'POST',
    url: '/v1/accounts/:accountId/plan-change',
    roles: ['owner'],
    ownAccountOnly: true,
  },
  'owner.previewPlanChange': {
    method: 'POST',
    url: '/v1/accounts/:accountId/plan-change/preview',
    roles: ['owner'],
    ownAccountOnly: true,
  },
  'owner.get': {
    method: 'GET',
    url: '/v1/accounts/:accountId',
    roles: ['owner'],
    ownAccountOnly: true,
  },
  // INACT-1: the product's server side (the `signup` key) reports logins and usage.
  'product.reportActivity': {
    method: 'POST',
    url: '/v1/accounts/:accountId/activity',
    roles: ['signup'],
  },
  'owner.changeSeats': {
    method: 'POST',
    url: '/v1/accounts/:accountId/seats',
    roles: ['owner'],
    ownAccountOnly: true,
  },
  'owner.billingDetails': {
    method: 'POST',
    url: '/v1/accounts/:accountId/billing-details',
    roles: ['owner'],
    ownAccountOnly: true,
  },
  // PAY-10: billing details and VAT id of any account, for the next invoices.
  'owner.setBillingDetails': {
    method: 'POST',
    url: '/v1/accounts/:accountId/billing-profile',
    roles: ['owner'],
    ownAccountOnly: true,
  },
  // PAY-9: a correction of the latest invoice's billing details.
  'owner.correctBillingDetails': {
    method: 'POST',
    url: '/v1/accounts/:accountId/billing-profile/correction',
    roles: ['owner'],
    ownAccountOnly: true,
  },
  // GDPR-2: the data subject's rights, for the owner's own account, or by support on the
  // person's behalf (identity checked by support). Ops never see personal data.
  'gdpr.export': {
    method: 'GET',
    url: '/v1/accounts/:accountId/gdpr/export',
    roles: ['owner', 'support'],
    ownAccountOnly: true,
  },
  'gdpr.rectify': {
    method: 'POST',
    url: '/v1/accounts/:accountId/gdpr/rectify',
    roles: ['owner', 'support'],
    ownAccountOnly: true,
  },
  'gdpr.erase': {
    method: 'POST',
    url: '/v1/accounts/:accountId/gdpr/erase',
    roles: ['owner', 'support'],
    ownAccountOnly: true,
  },
  'gdpr.restrict': {
    method: 'POST',
    url: '/v1/accounts/:accountId/gdpr/restrict',
    roles: ['owner', 'support'],
    ownAccountOnly: true,
  },
  'gdpr.unrestrict': {
    method: 'POST',
    url: '/v1/accounts/:accountId/gdpr/unrestrict',
    roles: ['owner', 'support'],
    ownAccountOnly: true,
  },
  'gdpr.object': {
    method: 'POST',
    url: '/v1/accounts/:accountId/gdpr/object',
    roles: ['owner', 'support'],
    ownAccountOnly: true,
  },
  // GDPR-3: consent is the person's own act: only the owner grants or withdraws it here
  // (support records a withdrawal as an objection).
  'owner.marketingConsent': {
    method: 'POST',
    url: '/v1/accounts/:accountId/marketing-consent',
    roles: ['owner'],
    ownAccountOnly: true,
  },
  'coupon.redeem': { method: 'POST', url: '/v1/coupon-redemptions', roles: ['signup'] },
  'support.requestCancellation': {
    method: 'POST',
    url: '/v1/support/accounts/:accountId/cancellation',
    roles: ['support'],
  },
  'support.rotateOwnerKey': {
    method: 'POST',
    url: '/v1/support/accounts/:accountId/owner-key',
    roles: ['support'],
  },
  'support.get': { method: 'GET', url: '/v1/support/accounts/:accountId', roles: ['support'] },
  // PAY-11: a credit agreed with the customer is added by support or ops.
  'support.addPrepaidCredit': {
    method: 'POST',
    url: '/v1/support/accounts/:accountId/prepaid-credit',
    roles: ['support', 'ops'],
  },
  // TERM-1: support and ops may suspend and lift a suspension; only ops may terminate, since
  // a termination cannot be undone.
  'support.suspend': {
    method: 'POST',
    url: '/v1/support/accounts/:accountId/suspension',
    roles: ['support', 'ops'],
  },
  'support.reactivate': {
    method: 'POST',
    url: '/v1/support/accounts/:accountId/reactivation',
    roles: ['support', 'ops'],
  },
  'ops.terminate': {
    method: 'POST',
    url: '/v1/ops/accounts/:accountId/termination',
    roles: ['ops'],
  },
  'ops.schedulePriceChange': {
    method: 'POST',
    url: '/v1/ops/plans/:planId/price-changes',
    roles: ['ops'],
  },
  'ops.reportUsage': {
    method: 'POST',
    url: '/v1/ops/accounts/:accountId/usage',
    roles: ['ops'],
  },
  'ops.reportSharedLogin': {
    method: 'POST',
    url: '/v1/ops/accounts/:accountId/shared-login',
    roles: ['ops'],
  },
  'ops.list': { method: 'GET', url: '/v1/ops/accounts', roles: ['ops'] },
  'ops.get': { method: 'GET', url: '/v1/ops/accounts/:accountId', roles: ['ops'] },
  'ops.invoices': { method: 'GET', url: '/v1/ops/accounts/:accountId/invoices', roles: ['ops'] },
  'ops.timeline': { method: 'GET', url: '/v1/ops/accounts/:accountId/timeline', roles: ['ops'] },
  'ops.createCampaign': { method: 'POST', url: '/v1/ops/coupon-campaigns', roles: ['ops'] },
  'ops.importCodes': {
    method: 'POST',
    url: '/v1/ops/coupon-campaigns/:campaignId/codes',
    roles: ['ops'],
  },
  'ops.reportSharedCode': { method: 'POST', url: '/v1/ops/coupon-codes/shared', roles: ['ops'] },
  'webhooks.stripe': { method: 'POST', url: '/v1/webhooks/stripe', roles: 'stripe-signature' },
  'health.live': { method: 'GET', url: '/health', roles: 'public' },
  'health.ready': { method: 'GET', url: '/ready', roles: 'public' },
  'docs.openapi': { method: 'GET', url: '/openapi.json', roles: 'public' },
  'docs.ui': { method: 'GET', url: '/docs', roles: 'public' },
  'docs.static': { method: 'GET', url: '/docs/static/:file', roles: 'public' },
} as const satisfies Record<string, RouteAccess>;

export type RouteId = keyof typeof routes;

export const routeIds = Object.keys(routes) as RouteId[];

export function routeAccess(id: RouteId): RouteAccess {
  return routes[id];
}

/** Whether the route takes no API key (it is public, or authenticated by a signature). */
export function keyless(id: RouteId): boolean {
  return typeof routeAccess(id).roles === 'string';
}

/**
 * Whether `role` may call route `id` at all (ownership is checked separately). A keyless route
 * ignores any key: it neither grants nor refuses.
 */
export function allowed(id: RouteId, role: ApiRole): boolean {
  const { roles } = routeAccess(id);
  return typeof roles === 'string' || roles.includes(role);
}
