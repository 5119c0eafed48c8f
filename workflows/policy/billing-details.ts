/**
 * What complete billing details are (LTD-7): the fields every invoice needs, plus the company
 * fields a country's law requires, kept as data so a country is added without new code.
 */
export const baseBillingFields = [
  'fullName',
  'email',
  'company',
  'street',
  'city',
  'postcode',
  'country',
] as const;

export const companyBillingFields = [
  'state',
  'companyCode',
  'tradeRegisterNumber',
  'taxCode',
] as const;

export type BillingField =
  (typeof baseBillingFields)[number] | (typeof companyBillingFields)[number];

export type BillingDetails = Partial<Record<BillingField, string | null>>;

/**
 * Extra fields by ISO 3166-1 alpha-2 country. Countries not listed need only the base fields.
 * US/CA: the state or province is part of the address. LT: the company code (įmonės kodas).
 * RO: the fiscal code (CUI) and the trade register number (Nr. Reg. Com.). IT/ES: the tax
 * code (codice fiscale / NIF).
 */
export const countryBillingRules: Readonly<Record<string, readonly BillingField[]>> = {
  US: ['state'],
  CA: ['state'],
  LT: ['companyCode'],
  RO: ['companyCode', 'tradeRegisterNumber'],
  IT: ['taxCode'],
  ES: ['taxCode'],
};

/** The fields that are missing or blank, in a stable order; empty when the details are complete. */
export function missingBillingFields(details: BillingDetails): BillingField[] {
  const filled = (field: BillingField) => (details[field] ?? '').trim() !== '';
  const missing: BillingField[] = baseBillingFields.filter((field) => !filled(field));
  const country = (details.country ?? '').trim().toUpperCase();
  if (country !== '' && !/^[A-Z]{2}$/.test(country) && !missing.includes('country')) {
    missing.push('country');
  }
  for (const field of countryBillingRules[country] ?? []) {
    if (!filled(field)) missing.push(field);
  }
  return missing;
}
