/**
 * Postgres side of lifetime-deal coupons for the workflows: the campaign of a code, whether
 * the requester already holds a coupon account (LTD-11), opening the account a code redeems
 * (LTD-1, LTD-2) and checking billing details (LTD-7). Every write is idempotent by account id.
 */
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import type { Logger } from 'pino';
import { missingBillingFields, type BillingDetails } from '../workflows/policy/billing-details';
import { slugCandidate, slugify } from '../workflows/policy/coupon';
import { currencies, type Currency } from '../workflows/policy/money';
import type { CouponActivities, CouponActivityFailureType } from './coupon-contract';
import { activityLogger } from './log';

export interface CouponDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
}

/** Slug candidates tried before giving up (a thousand companies of one name is not expected). */
const MAX_SLUG_ATTEMPTS = 1000;

export function createCouponActivities(deps: CouponDeps): CouponActivities {
  const { pool } = deps;
  return {
    async loadCouponCampaign({ codeHash }) {
      const found = await pool.query<{
        campaign_id: string;
        plan_id: string;
        currency: string;
        included_seats: number;
        extra_seat_price: string;
        redeem_by: Date;
      }>(
        `SELECT c.campaign_id, c.plan_id, c.currency, c.included_seats, c.extra_seat_price,
                c.redeem_by
           FROM coupon_codes k JOIN coupon_campaigns c USING (campaign_id)
          WHERE k.code_hash = $1`,
        [codeHash],
      );
      const row = found.rows[0];
      if (!row) fail('COUPON_CODE_UNKNOWN', 'No code with this hash was imported.');
      return {
        campaignId: row.campaign_id,
        planId: row.plan_id,
        currency: asCurrency(row.currency),
        includedSeats: row.included_seats,
        extraSeatPrice: Number(row.extra_seat_price),
        redeemBy: row.redeem_by.getTime(),
      };
    },

    async findCouponHolder({ requestId }) {
      const found = await pool.query<{ account_id: string }>(
        `SELECT k.redeemed_account_id AS account_id
           FROM coupon_redemption_requests r
           JOIN account_contacts ac ON lower(ac.email) = lower(r.email)
           JOIN coupon_codes k ON k.redeemed_account_id = ac.account_id
          WHERE r.request_id = $1
          LIMIT 1`,
        [requestId],
      );
      return { accountId: found.rows[0]?.account_id ?? null };
    },

    async createCouponAccount(input) {
      const log = activityLogger(deps.logger, 'createCouponAccount', {
        accountId: input.accountId,
      });
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const request = await client.query<{
          full_name: string;
          email: string;
          company: string;
          language: string;
          owner_key_sha256: string;
        }>(
          `SELECT full_name, email, company, language, owner_key_sha256
             FROM coupon_redemption_requests WHERE request_id = $1 AND code_hash = $2`,
          [input.requestId, input.codeHash],
        );
        const person = request.rows[0];
        if (!person) {
          fail('REDEMPTION_REQUEST_NOT_FOUND', `No redemption request ${input.requestId}.`);
        }
        const inserted = await client.query(
          `INSERT INTO accounts (account_id, signup_id, status, plan_id, seats, cycle, currency)
           VALUES ($1, $2, 'pending', $3, $4, 'monthly', $5)
           ON CONFLICT (account_id) DO NOTHING`,
          [input.accountId, `coupon:${input.codeHash}`, input.planId, input.seats, input.currency],
        );
        if (inserted.rowCount === 0) {
          // A retried activity: the first attempt committed everything.
          const slug = await client.query<{ slug: string }>(
            'SELECT slug FROM account_slugs WHERE account_id = $1',
            [input.accountId],
          );
          await client.query('COMMIT');
          return { slug: slug.rows[0]?.slug ?? '' };
        }
        await client.query(
          `INSERT INTO account_contacts (account_id, full_name, email, language, age_confirmed_at)
           VALUES ($1, $2, $3, $4, now())`,
          [input.accountId, person.full_name, person.email, person.language],
        );
        await client.query('INSERT INTO api_owner_keys (key_sha256, account_id) VALUES ($1, $2)', [
          person.owner_key_sha256,
          input.accountId,
        ]);
        const base = slugify(person.company);
        let slug: string | null = null;
        for (let attempt = 0; slug === null && attempt < MAX_SLUG_ATTEMPTS; attempt += 1) {
          const claimed = await client.query<{ slug: string }>(
            `INSERT INTO account_slugs (slug, account_id) VALUES ($1, $2)
             ON CONFLICT (slug) DO NOTHING RETURNING slug`,
            [slugCandidate(base, attempt), input.accountId],
          );
          slug = claimed.rows[0]?.slug ?? null;
        }
        if (slug === null) throw new Error(`No free slug for "${base}"`);
        await client.query(
          `UPDATE coupon_codes SET redeemed_account_id = $2, redeemed_at = now()
            WHERE code_hash = $1 AND redeemed_account_id IS NULL`,
          [input.codeHash, input.accountId],
        );
        // The person's details of this request now belong to the account: its erasure and
        // export reach them (CAN-3, GDPR-2).
        await client.query(
          'UPDATE coupon_redemption_requests SET account_id = $2 WHERE request_id = $1',
          [input.requestId, input.accountId],
        );
        await client.query('COMMIT');
        log.info({ slug, campaignId: input.campaignId }, 'coupon account created');
        return { slug };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    async checkBillingDetails({ accountId }) {
      const found = await pool.query<Record<string, string | null>>(
        `SELECT full_name, email, company, street, city, postcode, country, state, company_code,
                trade_register_number, tax_code
           FROM billing_details WHERE account_id = $1`,
        [accountId],
      );
      const row = found.rows[0] ?? {};
      const details: BillingDetails = {
        fullName: row.full_name ?? null,
        email: row.email ?? null,
        company: row.company ?? null,
        street: row.street ?? null,
        city: row.city ?? null,
        postcode: row.postcode ?? null,
        country: row.country ?? null,
        state: row.state ?? null,
        companyCode: row.company_code ?? null,
        tradeRegisterNumber: row.trade_register_number ?? null,
        taxCode: row.tax_code ?? null,
      };
      return { missing: missingBillingFields(details) };
    },
  };
}

function fail(type: CouponActivityFailureType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

function asCurrency(value: string): Currency {
  const found = currencies.find((currency) => currency === value.trim());
  if (!found) throw new Error(`Unsupported currency "${value}" in a campaign`);
  return found;
}
