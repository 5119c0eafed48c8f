/**
 * PAY-8: card data never touches the platform. A request carrying what looks like a raw card
 * number is refused before anything logs or stores it.
 *
 * "Looks like a card number" means a Luhn-valid run of 13 to 19 digits, written as one block
 * or in groups separated by single spaces or dashes ("4111 1111 1111 1111",
 * "4111-1111-1111-1111"). Groups glued to letters on the outer side ("a716-4466…", as inside
 * UUIDs) are checked alone but never chained, so identifiers do not look like cards by accident.
 */

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;

/** Runs of digit groups joined by single spaces or dashes. */
const GROUPED_DIGITS = /\d+(?:[ -]\d+)*/g;

export function luhnValid(digits: string): boolean {
  let total = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    total += digit;
    double = !double;
  }
  return total % 10 === 0;
}

function isLetter(char: string | undefined): boolean {
  return char !== undefined && /[A-Za-z]/.test(char);
}

/**
 * Identifiers are never a way of writing a card number, yet some have digit runs that pass
 * Luhn: one UUID (8-4-4-4-12 hex digits) in a few thousand, and about one account id
 * (`acc_` + 24 hex digits) in a thousand, which would make that account unreachable through
 * the API. Both shapes are set aside before the scan.
 */
const IDENTIFIERS =
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|acc_[0-9a-f]{24}(?![0-9a-f])/gi;

/** Whether `text` holds something that looks like a card number. */
export function containsCardNumber(input: string): boolean {
  if (input.length < MIN_DIGITS) return false;
  const text = input.replace(IDENTIFIERS, '_');
  for (const match of text.matchAll(GROUPED_DIGITS)) {
    const run = match[0];
    const start = match.index;
    const groups = run.split(/[ -]/);
    const gluedBefore = isLetter(text[start - 1]);
    const gluedAfter = isLetter(text[start + run.length]);
    for (let first = 0; first < groups.length; first += 1) {
      let digits = '';
      for (let last = first; last < groups.length; last += 1) {
        const chained = last > first;
        if (
          chained &&
          ((first === 0 && gluedBefore) || (last === groups.length - 1 && gluedAfter))
        ) {
          break;
        }
        digits += groups[last];
        if (digits.length > MAX_DIGITS) break;
        if (digits.length >= MIN_DIGITS && luhnValid(digits)) return true;
      }
    }
  }
  return false;
}

/**
 * Where in a parsed value a card number hides, as a JSON pointer (never the value itself),
 * or null. Looks at every string, every object key and every integer, at any depth.
 */
export function findCardNumber(value: unknown, pointer = ''): string | null {
  if (typeof value === 'string') return containsCardNumber(value) ? pointer || '/' : null;
  if (typeof value === 'number' || typeof value === 'bigint') {
    return containsCardNumber(String(value)) ? pointer || '/' : null;
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = findCardNumber(value[index], `${pointer}/${index}`);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (containsCardNumber(key)) return `${pointer}/~key`;
      const found = findCardNumber(
        child,
        `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      );
      if (found !== null) return found;
    }
  }
  return null;
}
