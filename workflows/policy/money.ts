/**
 * Money is an integer number of minor units (cents) with a currency. Never a float.
 *
 * Every division of money in the platform goes through {@link divideHalfUp}: the one rounding
 * rule is "round half up" (half a cent rounds away from zero towards the customer paying the
 * cent), computed exactly with integer arithmetic.
 */
export const currencies = ['USD', 'EUR'] as const;
export type Currency = (typeof currencies)[number];

export interface Money {
  readonly amount: number;
  readonly currency: Currency;
}

export function money(amount: number, currency: Currency): Money {
  if (!Number.isSafeInteger(amount)) {
    throw new RangeError(`Money must be an integer number of minor units, got ${amount}`);
  }
  return { amount, currency };
}

export function zero(currency: Currency): Money {
  return { amount: 0, currency };
}

export function add(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount - b.amount, a.currency);
}

export function multiply(a: Money, factor: number): Money {
  if (!Number.isSafeInteger(factor)) {
    throw new RangeError(`Money can only be multiplied by an integer, got ${factor}`);
  }
  return money(a.amount * factor, a.currency);
}

export function sum(items: readonly Money[], currency: Currency): Money {
  return items.reduce((total, item) => add(total, item), zero(currency));
}

/**
 * `numerator / denominator` rounded half up (ties away from zero), exactly.
 * The only rounding function in the platform.
 */
export function divideHalfUp(numerator: number | bigint, denominator: number | bigint): number {
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  if (d === 0n) throw new RangeError('Division by zero');
  const negative = n < 0n !== d < 0n;
  const absN = n < 0n ? -n : n;
  const absD = d < 0n ? -d : d;
  const quotient = (absN * 2n + absD) / (absD * 2n);
  const result = Number(negative ? -quotient : quotient);
  return result === 0 ? 0 : result;
}

/** `amount * numerator / denominator`, rounded once, half up. */
export function prorate(amount: Money, numerator: number, denominator: number): Money {
  return money(
    divideHalfUp(BigInt(amount.amount) * BigInt(numerator), denominator),
    amount.currency,
  );
}

export function formatMoney(value: Money): string {
  const sign = value.amount < 0 ? '-' : '';
  const abs = Math.abs(value.amount);
  const major = Math.floor(abs / 100);
  const minor = String(abs % 100).padStart(2, '0');
  return `${sign}${major}.${minor} ${value.currency}`;
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new RangeError(`Currency mismatch: ${a.currency} and ${b.currency}`);
  }
}
