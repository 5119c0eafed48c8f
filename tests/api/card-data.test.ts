import fc from 'fast-check';
import { containsCardNumber, findCardNumber, luhnValid } from '../../api/card-data';

/** A Luhn-valid number of `length` digits starting with `prefix`. */
function cardNumber(prefix: string, body: string, length: number): string {
  const partial = (prefix + body).slice(0, length - 1).padEnd(length - 1, '0');
  for (let check = 0; check <= 9; check += 1) {
    if (luhnValid(partial + String(check))) return partial + String(check);
  }
  throw new Error('unreachable');
}

const cards = fc
  .record({
    prefix: fc.constantFrom('4', '51', '55', '2221', '34', '37', '6011', '35'),
    body: fc.stringMatching(/^[0-9]{18}$/),
    length: fc.integer({ min: 13, max: 19 }),
  })
  .map(({ prefix, body, length }) => cardNumber(prefix, body, length));

/** Writes the digits in groups joined by one space or one dash, as people type cards. */
const formatted = (digits: string) =>
  fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 19 }).chain((sizes) =>
    fc.constantFrom(' ', '-', '').map((separator) => {
      const groups: string[] = [];
      let at = 0;
      for (const size of sizes) {
        if (at >= digits.length) break;
        groups.push(digits.slice(at, at + size));
        at += size;
      }
      if (at < digits.length) groups.push(digits.slice(at));
      return groups.join(separator);
    }),
  );

const text = fc.string({ unit: fc.constantFrom(...'abc XYZ.,:;!?()/'.split('')), maxLength: 20 });

describe('PAY-8: what looks like a card number', () => {
  it('PAY-8: well-known test cards are recognised, as typed in any usual way', () => {
    for (const card of [
      '4111111111111111',
      '4242 4242 4242 4242',
      '5555-5555-5555-4444',
      '3782 822463 10005',
      '6011 0009 9013 9424',
      '4000 0566 5566 5556',
      '4222222222222',
      'my card is 4111-1111-1111-1111, expires 12/29',
      'card4111111111111111',
    ]) {
      expect(containsCardNumber(card)).toBe(true);
    }
  });

  it('PAY-8: any Luhn-valid 13-19 digit number, grouped by spaces or dashes, inside any text', () => {
    fc.assert(
      fc.property(
        cards.chain((card) => formatted(card)),
        text,
        text,
        (card, before, after) => {
          // Digits next to the card would make it a longer number; the text around it is not.
          const left = before.length > 0 ? `${before} ` : '';
          const right = after.length > 0 ? ` ${after}` : '';
          expect(containsCardNumber(`${left}${card}${right}`)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('PAY-8: a card behind other digit groups is still found', () => {
    expect(containsCardNumber('ref 12 34 4111 1111 1111 1111')).toBe(true);
    expect(containsCardNumber('order 1234 4111111111111111')).toBe(true);
  });

  it('numbers that fail the Luhn check, or have too few or too many digits, are not cards', () => {
    for (const value of [
      '4111111111111112',
      '411111111111',
      '41111111111111111111',
      '+370 612 34567',
      '2026-11-22T10:00:00.000Z',
      'acc_3f2a9c0d1e4b5a6978c0d1e2',
      '550e8400-e29b-41d4-a716-446655440000',
      'pm_card_visa',
      '',
    ]) {
      expect(containsCardNumber(value)).toBe(false);
    }
  });

  it('PAY-8: UUIDs and account ids are identifiers, even the rare ones whose digits pass Luhn', () => {
    for (const id of [
      '862b885f-024e-4833-9672-221952351823',
      'e5715ec5-e81e-45ad-9099-947716962167',
      '33364fb8-8661-42ec-8180-175505764501',
    ]) {
      expect(containsCardNumber(id)).toBe(false);
      expect(containsCardNumber(`signup ${id.toUpperCase()}`)).toBe(false);
    }
    // Account ids (acc_ + 24 hex digits) whose digit runs pass Luhn are identifiers too.
    for (const id of ['acc_51e1424eeb51456008190581', 'acc_b46d9a5ffd6812352725057a']) {
      expect(containsCardNumber(id)).toBe(false);
      expect(containsCardNumber(`/v1/accounts/${id}/stop`)).toBe(false);
    }
    // A card written next to a UUID is still a card.
    expect(containsCardNumber('862b885f-024e-4833-9672-221952351823 4111 1111 1111 1111')).toBe(
      true,
    );
  });

  it('an unbroken run of digits is a card only as a whole', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9][0-9]{12,18}$/), (digits) => {
        expect(containsCardNumber(`id ${digits}.`)).toBe(luhnValid(digits));
      }),
      { numRuns: 2000 },
    );
  });

  it('findCardNumber looks at every string, key and integer at any depth, and names where', () => {
    expect(findCardNumber({ a: { b: ['x', '4111 1111 1111 1111'] } })).toBe('/a/b/1');
    expect(findCardNumber({ '4111111111111111': true })).toBe('/~key');
    expect(findCardNumber({ seats: 4111111111111111 })).toBe('/seats');
    expect(findCardNumber('4111111111111111')).toBe('/');
    expect(findCardNumber({ fine: ['pm_card_visa', 3, null, true] })).toBeNull();
  });
});
