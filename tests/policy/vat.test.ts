import fc from 'fast-check';
import { linesInvoice, type InvoiceDraft } from '../../workflows/policy/invoice';
import {
  applyTax,
  EU_VAT_RATES,
  isValidVatId,
  normaliseVatId,
  REVERSE_CHARGE_NOTE,
  taxOn,
  taxTreatment,
} from '../../workflows/policy/vat';

/** The 27 member states of the EU (ISO 3166-1 alpha-2; Greece is GR, its VAT prefix EL). */
const EU_MEMBER_STATES = [
  'AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU',
  'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK',
]; // prettier-ignore

function invoiceOf(subtotal: number): InvoiceDraft {
  return linesInvoice({
    invoiceId: 'acc_1-0001',
    accountId: 'acc_1',
    currency: 'EUR',
    period: { start: 0, end: 1 },
    lines: [
      {
        description: 'Team plan',
        clause: 'PAY-1c',
        periodStart: 0,
        periodEnd: 1,
        quantity: 1,
        unitAmount: subtotal,
        amount: subtotal,
      },
    ],
  });
}

describe('VAT rates', () => {
  test('PAY-10: every one of the 27 EU member states has a standard rate, and nothing else does', () => {
    expect(Object.keys(EU_VAT_RATES).sort()).toEqual([...EU_MEMBER_STATES].sort());
    for (const country of EU_MEMBER_STATES) {
      const rate = EU_VAT_RATES[country];
      expect(Number.isSafeInteger(rate)).toBe(true);
      expect(rate).toBeGreaterThanOrEqual(1500); // the EU minimum standard rate (Art. 97)
      expect(rate).toBeLessThanOrEqual(2700);
    }
  });
});

describe('VAT treatment', () => {
  const seller = 'LT';
  test.each([
    // [case, customer country, VAT id, treatment, rate]
    ['domestic without an id', 'LT', null, 'domestic', 2100],
    [
      'domestic with a valid id: still the seller country rate',
      'LT',
      'LT123456789',
      'domestic',
      2100,
    ],
    ['EU consumer in another state pays its rate', 'DE', null, 'eu_consumer', 1900],
    ['EU consumer in Hungary pays 27 %', 'HU', null, 'eu_consumer', 2700],
    ['EU business with a valid id: reverse charge', 'DE', 'DE123456789', 'reverse_charge', 0],
    ['Greek business with an EL id: reverse charge', 'GR', 'EL123456789', 'reverse_charge', 0],
    ['invalid-format id is treated as none', 'DE', 'DE12345', 'eu_consumer', 1900],
    ['an id of another country is treated as none', 'FR', 'DE123456789', 'eu_consumer', 2000],
    ['outside the EU: no VAT', 'US', null, 'outside_eu', 0],
    ['outside the EU with an id-like string: no VAT', 'CH', 'CHE123456789', 'outside_eu', 0],
  ] as const)('PAY-10: %s', (_case, country, vatId, treatment, rate) => {
    expect(taxTreatment({ sellerCountry: seller, customerCountry: country, vatId })).toEqual({
      treatment,
      country,
      rateBasisPoints: rate,
    });
  });

  test('PAY-10: no billing country on file: no VAT until the details are given', () => {
    expect(taxTreatment({ sellerCountry: seller, customerCountry: null, vatId: null })).toEqual({
      treatment: 'no_details',
      country: null,
      rateBasisPoints: 0,
    });
  });

  test('PAY-10: the seller country is configuration: a German seller charges a Lithuanian consumer 21 %', () => {
    expect(taxTreatment({ sellerCountry: 'DE', customerCountry: 'LT', vatId: null })).toEqual({
      treatment: 'eu_consumer',
      country: 'LT',
      rateBasisPoints: 2100,
    });
    expect(
      taxTreatment({ sellerCountry: 'DE', customerCountry: 'DE', vatId: 'DE123456789' }).treatment,
    ).toBe('domestic');
  });
});

describe('VAT id format', () => {
  test.each([
    ['LT', 'LT123456789'],
    ['LT', 'LT123456789012'],
    ['LT', 'lt 1234 567 89'],
    ['DE', 'DE123456789'],
    ['AT', 'ATU12345678'],
    ['FR', 'FRXX123456789'],
    ['FR', 'FR12345678901'],
    ['NL', 'NL123456789B01'],
    ['RO', 'RO1234567'],
    ['GR', 'EL123456789'],
    ['IE', 'IE1234567WA'],
    ['ES', 'ESX1234567X'],
    ['SE', 'SE123456789701'],
    ['BE', 'BE0123456789'],
  ])('PAY-10: %s accepts %s', (country, vatId) => {
    expect(isValidVatId(vatId, country)).toBe(true);
  });

  test.each([
    ['LT', 'LT12345678'], // 8 digits
    ['LT', '123456789'], // no prefix
    ['DE', 'DE12345678'], // 8 digits
    ['DE', 'LT123456789'], // another country's prefix
    ['AT', 'AT12345678'], // no U
    ['FR', 'FRIO123456789'], // I and O are not used
    ['NL', 'NL123456789A01'],
    ['RO', 'RO0123456'], // no leading zero
    ['GR', 'GR123456789'], // Greece's prefix is EL
    ['SE', 'SE123456789702'], // must end in 01
    ['BE', 'BE2123456789'],
    ['US', 'US123456789'], // not a member state
  ])('PAY-10: %s refuses %s', (country, vatId) => {
    expect(isValidVatId(vatId, country)).toBe(false);
  });

  test('PAY-10: ids are stored without spaces, dots or dashes, upper case', () => {
    expect(normaliseVatId(' nl 1234.567-89 b01 ')).toBe('NL123456789B01');
  });
});

describe('tax on invoices', () => {
  test.each([
    [1000, 2100, 210],
    [1, 2100, 0], // 0.21 rounds down
    [3, 1900, 1], // 0.57 rounds up
    [50, 1000, 5],
    [25, 2000, 5], // exactly 5
    [5, 1000, 1], // 0.5 rounds half up
    [15, 1000, 2], // 1.5 rounds half up
    [999, 2550, 255], // 254.745 rounds up
  ])('tax on %i at %i bp is %i (half up, on minor units)', (amount, rate, tax) => {
    expect(taxOn(amount, rate)).toBe(tax);
  });

  test('PAY-10: reverse charge: no tax, and the legal note on the invoice', () => {
    const taxed = applyTax(invoiceOf(3400), {
      treatment: 'reverse_charge',
      country: 'DE',
      rateBasisPoints: 0,
    });
    expect(taxed).toMatchObject({ subtotal: 3400, tax: 0, total: 3400 });
    expect(taxed.taxTreatment?.note).toBe(REVERSE_CHARGE_NOTE);
    expect(REVERSE_CHARGE_NOTE).toContain('Article 196 of Directive 2006/112/EC');
  });

  test('PAY-10: an EU consumer is charged its country rate on top of the subtotal', () => {
    const taxed = applyTax(invoiceOf(3400), {
      treatment: 'eu_consumer',
      country: 'DE',
      rateBasisPoints: 1900,
    });
    expect(taxed).toMatchObject({ subtotal: 3400, tax: 646, total: 4046 });
    expect(taxed.taxTreatment).toEqual({
      treatment: 'eu_consumer',
      country: 'DE',
      rateBasisPoints: 1900,
    });
  });

  test('PAY-10: total = subtotal + tax, and tax is within half a minor unit of the exact VAT', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000_000 }),
        fc.constantFrom(...Object.values(EU_VAT_RATES), 0),
        (subtotal, rate) => {
          const taxed = applyTax(invoiceOf(subtotal), {
            treatment: rate === 0 ? 'outside_eu' : 'eu_consumer',
            country: 'XX',
            rateBasisPoints: rate,
          });
          expect(taxed.subtotal).toBe(subtotal);
          expect(taxed.total).toBe(taxed.subtotal + taxed.tax);
          expect(Number.isSafeInteger(taxed.tax)).toBe(true);
          expect(Math.abs(taxed.tax * 10_000 - subtotal * rate) * 2).toBeLessThanOrEqual(10_000);
        },
      ),
    );
  });
});
