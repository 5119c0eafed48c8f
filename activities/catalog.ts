/**
 * The plan catalog and the holiday calendar as data files (FREE-1: limits and prices change
 * without a deploy). Each file is re-read when its modification time or size changes.
 */
import { stat, readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { resolvePlan, type Catalog, type CatalogPlan } from '../workflows/policy/catalog';
import { currencies } from '../workflows/policy/money';
import type { BillingActivities } from './contract';
import { activityLogger } from './log';

export interface CatalogDeps {
  readonly catalogPath: string;
  readonly holidaysPath: string;
  readonly logger: Logger;
}

export type CatalogActivities = Pick<BillingActivities, 'loadPlan' | 'loadHolidays'>;

export function createCatalogActivities(deps: CatalogDeps): CatalogActivities {
  const catalog = cachedFile(deps.catalogPath, parseCatalog);
  const holidays = cachedFile(deps.holidaysPath, parseHolidays);
  return {
    async loadPlan({ planId, currency }) {
      const found = resolvePlan(await catalog(), planId, currency);
      if (!found.ok) {
        activityLogger(deps.logger, 'loadPlan', {}).warn(
          { planId, currency, code: found.code },
          'plan lookup refused',
        );
        throw ApplicationFailure.create({
          type: found.code,
          message: found.message,
          nonRetryable: true,
        });
      }
      return found.plan;
    },
    async loadHolidays() {
      return [...(await holidays())];
    },
  };
}

/** A reader of a JSON file that parses it again only when the file changed on disk. */
function cachedFile<T>(path: string, parse: (json: unknown, path: string) => T): () => Promise<T> {
  let cached: { readonly mtimeMs: number; readonly size: number; readonly value: T } | null = null;
  return async () => {
    const info = await stat(path);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) {
      return cached.value;
    }
    const text = await readFile(path, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
    }
    const value = parse(json, path);
    cached = { mtimeMs: info.mtimeMs, size: info.size, value };
    return value;
  };
}

/**
 * Checks the catalog's shape. A malformed file is an operator's mistake that fixing the file
 * resolves, so it is an ordinary (retried) error rather than a business refusal.
 */
export function parseCatalog(json: unknown, source = 'catalog'): Catalog {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (!isRecord(json) || !Array.isArray(json.plans)) return fail('expected { "plans": [...] }');
  const plans = json.plans.map((entry: unknown, index): CatalogPlan => {
    const at = `plans[${index}]`;
    if (!isRecord(entry)) return fail(`${at} is not an object`);
    const { planId, name, trialDays, minSeats, maxSeats, prices } = entry;
    if (typeof planId !== 'string' || planId === '') return fail(`${at}.planId must be a string`);
    if (typeof name !== 'string') return fail(`${at}.name must be a string`);
    if (!isCount(trialDays) || !isCount(minSeats) || !isCount(maxSeats)) {
      return fail(`${at}: trialDays, minSeats and maxSeats must be non-negative integers`);
    }
    if (!isRecord(prices)) return fail(`${at}.prices must be an object`);
    const parsedPrices: Record<string, { monthly: number; annual: number }> = {};
    for (const [currency, price] of Object.entries(prices)) {
      if (!currencies.some((known) => known === currency)) {
        return fail(`${at}.prices has unknown currency ${currency}`);
      }
      if (!isRecord(price) || !isCount(price.monthly) || !isCount(price.annual)) {
        return fail(`${at}.prices.${currency} needs integer minor units for monthly and annual`);
      }
      parsedPrices[currency] = { monthly: price.monthly, annual: price.annual };
    }
    return {
      planId,
      name,
      trialDays,
      minSeats,
      maxSeats,
      prices: parsedPrices,
    };
  });
  return { plans };
}

export function parseHolidays(json: unknown, source = 'holidays'): readonly string[] {
  if (!isRecord(json) || !Array.isArray(json.holidays)) {
    throw new Error(`${source}: expected { "holidays": ["YYYY-MM-DD", ...] }`);
  }
  return json.holidays.map((day: unknown) => {
    if (typeof day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(day)) {
      throw new Error(`${source}: "${String(day)}" is not an ISO date (YYYY-MM-DD)`);
    }
    return day;
  });
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
