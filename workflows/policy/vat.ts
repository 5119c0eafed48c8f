/**
 * VAT on invoices and EU VAT ids (PAY-10), as data and pure functions.
 *
 * - The seller's EU country is configuration; standard rates per member state are data below.
 * - A customer in the seller's own country pays the seller country's rate, with or without a
 *   VAT id (a domestic supply is never reverse-charged).
 * - A customer in another member state pays its own country's rate, unless it holds a VAT id of
 *   valid format for that country: then the recipient accounts for the VAT (reverse charge, 0 %,
 *   with the legal note on the invoice).
 * - A customer outside the EU pays no VAT.
 * - An account with no billing country on file (signup asks for none) is invoiced without VAT
 *   until it gives its billing details; from then on the rules above apply to its next invoice.
 *
 * Tax is `subtotal * rate` rounded once, half up, by `divideHalfUp` on integer minor units;
 * the total is subtotal + tax, and that total is what is charged.
 */
import { divideHalfUp } from './money';
import type { InvoiceDraft, InvoiceTaxTreatment } from './invoice';

/** Standard VAT rates of the 27 member states, in basis points (2100 = 21 %). */
export const EU_VAT_RATES: Readonly<Record<string, number>> = {
  AT: 2000,
  BE: 2100,
  BG: 2000,
  CY: 1900,
  CZ: 2100,
  DE: 1900,
  DK: 2500,
  EE: 2400,
  ES: 2100,
  FI: 2550,
  FR: 2000,
  GR: 2400,
  HR: 2500,
  HU: 2700,
  IE: 2300,
  IT: 2200,
  LT: 2100,
  LU: 1700,
  LV: 2100,
  MT: 1800,
  NL: 2100,
  PL: 2300,
  PT: 2300,
  RO: 2100,
  SE: 2500,
  SI: 2200,
  SK: 2300,
};

/**
 * The format of a VAT id per member state (ISO country code), after its prefix. Greece's
 * prefix is `EL`, every other state's is its ISO code.
 */
const VAT_ID_FORMATS: Readonly<Record<string, { readonly prefix: string; readonly body: RegExp }>> =
  {
    AT: { prefix: 'AT', body: /^U\d{8}$/ },
    BE: { prefix: 'BE', body: /^[01]\d{9}$/ },
    BG: { prefix: 'BG', body: /^\d{9,10}$/ },
    CY: { prefix: 'CY', body: /^\d{8}[A-Z]$/ },
    CZ: { prefix: 'CZ', body: /^\d{8,10}$/ },
    DE: { prefix: 'DE', body: /^\d{9}$/ },
    DK: { prefix: 'DK', body: /^\d{8}$/ },
    EE: { prefix: 'EE', body: /^\d{9}$/ },
    ES: { prefix: 'ES', body: /^[A-Z0-9]\d{7}[A-Z0-9]$/ },
    FI: { prefix: 'FI', body: /^\d{8}$/ },
    FR: { prefix: 'FR', body: /^[A-HJ-NP-Z0-9]{2}\d{9}$/ },
    GR: { prefix: 'EL', body: /^\d{9}$/ },
    HR: { prefix: 'HR', body: /^\d{11}$/ },
    HU: { prefix: 'HU', body: /^\d{8}$/ },
    IE: { prefix: 'IE', body: /^\d[A-Z0-9+*]\d{5}[A-W][A-I]?$/ },
    IT: { prefix: 'IT', body: /^\d{11}$/ },
    LT: { prefix: 'LT', body: /^(\d{9}|\d{12})$/ },
    LU: { prefix: 'LU', body: /^\d{8}$/ },
    LV: { prefix: 'LV', body: /^\d{11}$/ },
    MT: { prefix: 'MT', body: /^\d{8}$/ },
    NL: { prefix: 'NL', body: /^\d{9}B\d{2}$/ },
    PL: { prefix: 'PL', body: /^\d{10}$/ },
    PT: { prefix: 'PT', body: /^\d{9}$/ },
    RO: { prefix: 'RO', body: /^[1-9]\d{1,9}$/ },
    SE: { prefix: 'SE', body: /^\d{10}01$/ },
    SI: { prefix: 'SI', body: /^[1-9]\d{7}$/ },
    SK: { prefix: 'SK', body: /^[1-9]\d{9}$/ },
  };

export const REVERSE_CHARGE_NOTE =
  'Reverse charge: VAT to be accounted for by the recipient, Article 196 of Directive 2006/112/EC';

export function isEuCountry(country: string): boolean {
  return Object.hasOwn(EU_VAT_RATES, country);
}

/** A VAT id as people type it (`lt 1234 567 89`) in its stored form (`LT123456789`). */
export function normaliseVatId(vatId: string): string {
  return vatId.toUpperCase().replace(/[\s.-]/g, '');
}

/**
 * PAY-10: whether `vatId` has the format of a VAT id of `country` (ISO code): its prefix
 * followed by that state's pattern. Only the format is checked, not registration.
 */
export function isValidVatId(vatId: string, country: string): boolean {
  const format = VAT_ID_FORMATS[country.toUpperCase()];
  if (!format) return false;
  const id = normaliseVatId(vatId);
  return id.startsWith(format.prefix) && format.body.test(id.slice(format.prefix.length));
}

export type TaxTreatmentKind = InvoiceTaxTreatment['treatment'];

/** How an invoice is taxed: no personal data, so it may travel through workflow history. */
export interface TaxTreatment {
  readonly treatment: TaxTreatmentKind;
  /** The customer's country (ISO code), or null when no billing details are on file. */
  readonly country: string | null;
  readonly rateBasisPoints: number;
}

/** The VAT treatment of an invoice for a customer (PAY-10). */
export function taxTreatment(args: {
  readonly sellerCountry: string;
  readonly customerCountry: string | null;
  readonly vatId: string | null;
}): TaxTreatment {
  const seller = args.sellerCountry.toUpperCase();
  const country = args.customerCountry?.trim().toUpperCase() || null;
  if (country === null) return { treatment: 'no_details', country: null, rateBasisPoints: 0 };
  if (!isEuCountry(country)) return { treatment: 'outside_eu', country, rateBasisPoints: 0 };
  if (country === seller) {
    return { treatment: 'domestic', country, rateBasisPoints: EU_VAT_RATES[country] };
  }
  if (args.vatId !== null && isValidVatId(args.vatId, country)) {
    return { treatment: 'reverse_charge', country, rateBasisPoints: 0 };
  }
  return { treatment: 'eu_consumer', country, rateBasisPoints: EU_VAT_RATES[country] };
}

/** `amount * rate`, rounded once, half up. */
export function taxOn(amount: number, rateBasisPoints: number): number {
  return divideHalfUp(BigInt(amount) * BigInt(rateBasisPoints), 10_000);
}

/** The invoice under a tax treatment: its tax, total, rate and legal note. */
export function applyTax(invoice: InvoiceDraft, treatment: TaxTreatment): InvoiceDraft {
  const tax = taxOn(invoice.subtotal, treatment.rateBasisPoints);
  return {
    ...invoice,
    tax,
    total: invoice.subtotal + tax,
    taxTreatment: {
      ...treatment,
      ...(treatment.treatment === 'reverse_charge' ? { note: REVERSE_CHARGE_NOTE } : {}),
    },
  };
}

/** A tax line as an invoice shows it, e.g. `VAT 21% (LT)`, or null when none applies. */
export function taxLabel(invoice: InvoiceDraft): string | null {
  const treatment = invoice.taxTreatment;
  if (!treatment) return null;
  switch (treatment.treatment) {
    case 'domestic':
    case 'eu_consumer':
      return `VAT ${treatment.rateBasisPoints / 100}% (${treatment.country})`;
    case 'reverse_charge':
      return `VAT 0% (${treatment.country}): ${REVERSE_CHARGE_NOTE}`;
    case 'outside_eu':
      return `No VAT: customer outside the EU (${treatment.country})`;
    case 'no_details':
      return null;
  }
}
