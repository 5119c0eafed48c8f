import fc from 'fast-check';
import { divideHalfUp, formatMoney, money, prorate, sum } from '../../workflows/policy/money';

describe('money', () => {
  test.each([
    [5, 2, 3], // 2.5 rounds up
    [7, 2, 4], // 3.5 rounds up
    [1, 3, 0],
    [2, 3, 1],
    [-5, 2, -3], // ties away from zero
    [0, 7, 0],
    [100, 1, 100],
  ])('divideHalfUp(%i, %i) = %i', (n, d, expected) => {
    expect(divideHalfUp(n, d)).toBe(expected);
  });

  test('divideHalfUp is exact beyond floating-point precision', () => {
    // 2^53 + 1 cannot be represented as a double; the result must still be exact.
    expect(divideHalfUp(2n ** 53n * 2n + 2n, 2n)).toBe(Number(2n ** 53n) + 1);
  });

  test('divideHalfUp never differs from the exact quotient by more than half a unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (n, d) => {
          const q = divideHalfUp(n, d);
          expect(Math.abs(q * d - n) * 2).toBeLessThanOrEqual(d);
        },
      ),
    );
  });

  test('prorate rounds once, half up', () => {
    // 3800 * 15 / 31 = 1838.709... -> 1839
    expect(prorate(money(3800, 'USD'), 15, 31)).toEqual({ amount: 1839, currency: 'USD' });
  });

  test('money refuses fractions of a minor unit', () => {
    expect(() => money(10.5, 'USD')).toThrow(RangeError);
  });

  test('sums refuse mixed currencies', () => {
    expect(() => sum([money(1, 'USD'), money(1, 'EUR')], 'USD')).toThrow(/Currency mismatch/);
  });

  test('formatMoney shows two decimals and the currency', () => {
    expect(formatMoney(money(3800, 'USD'))).toBe('38.00 USD');
    expect(formatMoney(money(-5, 'EUR'))).toBe('-0.05 EUR');
  });
});
