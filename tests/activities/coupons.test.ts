/**
 * The coupon activities against a real Postgres: opening the account a code redeems (slug
 * collisions suffixed, never refused; idempotent), codes that do not stack, billing details.
 */
import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import pino from 'pino';
import { PgCouponStore } from '../../api/coupon-store';
import { createCouponActivities } from '../../activities/coupons';
import type { CouponActivities } from '../../activities/coupon-contract';
import { couponAccountId } from '../../workflows/policy/coupon';
import { createTestPool } from '../support/db';

let pool: pg.Pool;
let coupons: CouponActivities;
let store: PgCouponStore;
const campaignId = `act-${randomUUID().slice(0, 8)}`;
const company = `Acme ${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  pool = await createTestPool();
  coupons = createCouponActivities({ pool, logger: pino({ level: 'silent' }) });
  store = new PgCouponStore(pool);
  await store.createCampaign({
    campaignId,
    planId: 'all-inclusive',
    currency: 'USD',
    includedSeats: 2,
    oneTimePrice: 5900,
    extraSeatPrice: 3900,
    redeemBy: '2019-11-30T23:59:59.000Z',
  });
});

afterAll(async () => {
  await pool?.end();
});

const hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** Imports a fresh code and stores a redemption request for it; returns what the workflow has. */
async function requestFor(email: string) {
  const codeHash = hex(randomUUID());
  await store.importCodes(campaignId, [codeHash]);
  const requestId = randomUUID();
  await store.recordRedemptionRequest({
    requestId,
    codeHash,
    fullName: 'Ona Petrauskė',
    email,
    company,
    language: 'lt',
    ownerKeyDigest: hex(requestId),
  });
  const accountId = couponAccountId(codeHash);
  const input = {
    requestId,
    codeHash,
    accountId,
    campaignId,
    planId: 'all-inclusive',
    seats: 2,
    currency: 'USD' as const,
  };
  return input;
}

describe('coupon activities', () => {
  test('LTD-3: the campaign of a code carries its deadline to the second', async () => {
    const { codeHash } = await requestFor(`a.${randomUUID()}@example.test`);
    const campaign = await coupons.loadCouponCampaign({ codeHash });
    expect(campaign).toMatchObject({ campaignId, includedSeats: 2, extraSeatPrice: 3900 });
    expect(new Date(campaign.redeemBy).toISOString()).toBe('2019-11-30T23:59:59.000Z');
    await expect(coupons.loadCouponCampaign({ codeHash: hex('unknown') })).rejects.toMatchObject({
      type: 'COUPON_CODE_UNKNOWN',
    });
  });

  test('LTD-1: companies of the same name get unique slugs with a suffix, never an error', async () => {
    const first = await requestFor(`b.${randomUUID()}@example.test`);
    const second = await requestFor(`c.${randomUUID()}@example.test`);
    const a = await coupons.createCouponAccount(first);
    const b = await coupons.createCouponAccount(second);
    const base = company.toLowerCase().replace(/ /g, '-');
    expect(a.slug).toBe(base);
    expect(b.slug).toBe(`${base}-2`);
    // A retried activity changes nothing and answers the same.
    await expect(coupons.createCouponAccount(second)).resolves.toEqual(b);
    const code = await pool.query<{ redeemed_account_id: string }>(
      'SELECT redeemed_account_id FROM coupon_codes WHERE code_hash = $1',
      [second.codeHash],
    );
    expect(code.rows[0]?.redeemed_account_id).toBe(second.accountId);
  });

  test('LTD-11: an owner who holds a coupon account is found by email, whatever its case', async () => {
    const email = `d.${randomUUID()}@example.test`;
    const first = await requestFor(email);
    await coupons.createCouponAccount(first);
    const again = await requestFor(email.toUpperCase());
    await expect(coupons.findCouponHolder({ requestId: again.requestId })).resolves.toEqual({
      accountId: first.accountId,
    });
    const stranger = await requestFor(`e.${randomUUID()}@example.test`);
    await expect(coupons.findCouponHolder({ requestId: stranger.requestId })).resolves.toEqual({
      accountId: null,
    });
  });

  test('LTD-7: billing details are checked against the country rules', async () => {
    const input = await requestFor(`f.${randomUUID()}@example.test`);
    await coupons.createCouponAccount(input);
    await expect(coupons.checkBillingDetails({ accountId: input.accountId })).resolves.toEqual({
      missing: ['fullName', 'email', 'company', 'street', 'city', 'postcode', 'country'],
    });
    await store.saveBillingDetails(input.accountId, {
      fullName: 'Ona Petrauskė',
      email: 'ona@example.test',
      company: 'Ąžuolas UAB',
      street: 'Gedimino pr. 1',
      city: 'Vilnius',
      postcode: 'LT-01103',
      country: 'ro',
      companyCode: 'RO123',
    });
    await expect(coupons.checkBillingDetails({ accountId: input.accountId })).resolves.toEqual({
      missing: ['tradeRegisterNumber'],
    });
  });
});
