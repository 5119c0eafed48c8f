/**
 * What the API reads and writes in Postgres for lifetime-deal coupons: campaigns, the import of
 * their codes (hashed, in batches), redemption requests with the person's details (stored
 * before the code's workflow runs, LTD-1) and billing details (LTD-7).
 */
import type pg from 'pg';
import { saveBillingDetails, type BillingDetailsInput } from './billing-details-store';
import type { Currency } from '../workflows/policy/money';
import type { Language } from './store';

export interface CampaignRecord {
  readonly campaignId: string;
  readonly planId: string;
  readonly currency: Currency;
  readonly includedSeats: number;
  readonly oneTimePrice: number;
  readonly extraSeatPrice: number;
  /** ISO instant of the last second in which a redemption is accepted. */
  readonly redeemBy: string;
}

export interface ImportOutcome {
  readonly received: number;
  readonly imported: number;
  /** Codes already present (in this or another campaign), or repeated in the input. */
  readonly duplicates: number;
}

export interface RedemptionRequest {
  readonly requestId: string;
  readonly codeHash: string;
  readonly fullName: string;
  readonly email: string;
  readonly company: string;
  readonly language: Language;
  readonly ownerKeyDigest: string;
}

export interface CouponStore {
  /** Creates the campaign; `conflict` when the id exists with other terms. */
  createCampaign(campaign: CampaignRecord): Promise<'created' | 'same' | 'conflict'>;
  /** Inserts the hashes in batches; `onProgress` hears after each batch. Null if no campaign. */
  importCodes(
    campaignId: string,
    codeHashes: readonly string[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<ImportOutcome | null>;
  /** Whether the code was imported (its campaign id), without saying anything else. */
  campaignOfCode(codeHash: string): Promise<string | null>;
  /** Stores the request; `conflict` when the id was used with other details. */
  recordRedemptionRequest(request: RedemptionRequest): Promise<'created' | 'same' | 'conflict'>;
  saveBillingDetails(accountId: string, details: BillingDetailsInput): Promise<boolean>;
}

/** Rows per INSERT: large enough to be fast, small enough for one round trip each. */
export const IMPORT_BATCH_SIZE = 2000;

export class PgCouponStore implements CouponStore {
  constructor(private readonly pool: pg.Pool) {}

  async createCampaign(campaign: CampaignRecord): Promise<'created' | 'same' | 'conflict'> {
    const inserted = await this.pool.query(
      `INSERT INTO coupon_campaigns (campaign_id, plan_id, currency, included_seats,
                                     one_time_price, extra_seat_price, redeem_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (campaign_id) DO NOTHING`,
      [
        campaign.campaignId,
        campaign.planId,
        campaign.currency,
        campaign.includedSeats,
        campaign.oneTimePrice,
        campaign.extraSeatPrice,
        new Date(campaign.redeemBy),
      ],
    );
    if (inserted.rowCount === 1) return 'created';
    const existing = await this.pool.query<{ same: boolean }>(
      `SELECT (plan_id = $2 AND currency = $3 AND included_seats = $4 AND one_time_price = $5
               AND extra_seat_price = $6 AND redeem_by = $7) AS same
         FROM coupon_campaigns WHERE campaign_id = $1`,
      [
        campaign.campaignId,
        campaign.planId,
        campaign.currency,
        campaign.includedSeats,
        campaign.oneTimePrice,
        campaign.extraSeatPrice,
        new Date(campaign.redeemBy),
      ],
    );
    return existing.rows[0]?.same ? 'same' : 'conflict';
  }

  async importCodes(
    campaignId: string,
    codeHashes: readonly string[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<ImportOutcome | null> {
    const campaign = await this.pool.query(
      'SELECT 1 FROM coupon_campaigns WHERE campaign_id = $1',
      [campaignId],
    );
    if (campaign.rowCount !== 1) return null;
    let imported = 0;
    for (let start = 0; start < codeHashes.length; start += IMPORT_BATCH_SIZE) {
      const batch = codeHashes.slice(start, start + IMPORT_BATCH_SIZE);
      const result = await this.pool.query(
        `INSERT INTO coupon_codes (code_hash, campaign_id)
         SELECT DISTINCT hash, $2 FROM unnest($1::text[]) AS hash
         ON CONFLICT (code_hash) DO NOTHING`,
        [batch, campaignId],
      );
      imported += result.rowCount ?? 0;
      onProgress?.(start + batch.length, codeHashes.length);
    }
    return {
      received: codeHashes.length,
      imported,
      duplicates: codeHashes.length - imported,
    };
  }

  async campaignOfCode(codeHash: string): Promise<string | null> {
    const found = await this.pool.query<{ campaign_id: string }>(
      'SELECT campaign_id FROM coupon_codes WHERE code_hash = $1',
      [codeHash],
    );
    return found.rows[0]?.campaign_id ?? null;
  }

  async recordRedemptionRequest(
    request: RedemptionRequest,
  ): Promise<'created' | 'same' | 'conflict'> {
    const inserted = await this.pool.query(
      `INSERT INTO coupon_redemption_requests
         (request_id, code_hash, full_name, email, company, language, owner_key_sha256)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (request_id) DO NOTHING`,
      [
        request.requestId,
        request.codeHash,
        request.fullName,
        request.email,
        request.company,
        request.language,
        request.ownerKeyDigest,
      ],
    );
    if (inserted.rowCount === 1) return 'created';
    const existing = await this.pool.query<{ same: boolean }>(
      `SELECT (code_hash = $2 AND full_name = $3 AND email = $4 AND company = $5
               AND language = $6) AS same
         FROM coupon_redemption_requests WHERE request_id = $1`,
      [
        request.requestId,
        request.codeHash,
        request.fullName,
        request.email,
        request.company,
        request.language,
      ],
    );
    return existing.rows[0]?.same ? 'same' : 'conflict';
  }

  saveBillingDetails(accountId: string, details: BillingDetailsInput): Promise<boolean> {
    return saveBillingDetails(this.pool, accountId, details);
  }
}
