import fc from 'fast-check';
import {
  addMonths,
  endOfNextBusinessDay,
  isBusinessDay,
  periodAt,
} from '../../workflows/policy/periods';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

describe('periods', () => {
  test('PAY-1d: a month is the same day next month, clamped to the month end and back to the anchor day', () => {
    const anchor = at('2026-01-31T10:15:00.000Z');
    expect([0, 1, 2, 3, 4].map((n) => iso(addMonths(anchor, n)))).toEqual([
      '2026-01-31T10:15:00.000Z',
      '2026-02-28T10:15:00.000Z',
      '2026-03-31T10:15:00.000Z',
      '2026-04-30T10:15:00.000Z',
      '2026-05-31T10:15:00.000Z',
    ]);
  });

  test('PAY-1d: leap years give February its 29th', () => {
    expect(iso(addMonths(at('2028-01-31T00:00:00.000Z'), 1))).toBe('2028-02-29T00:00:00.000Z');
    expect(iso(addMonths(at('2028-02-29T00:00:00.000Z'), 12))).toBe('2029-02-28T00:00:00.000Z');
    expect(iso(addMonths(at('2028-02-29T00:00:00.000Z'), 48))).toBe('2032-02-29T00:00:00.000Z');
  });

  test('PAY-1d: annual periods are 12 anchored months, monthly periods one', () => {
    const anchor = at('2026-03-15T08:00:00.000Z');
    expect(periodAt(anchor, 'annual', 1)).toEqual({
      start: at('2027-03-15T08:00:00.000Z'),
      end: at('2028-03-15T08:00:00.000Z'),
    });
    expect(periodAt(anchor, 'monthly', 10)).toEqual({
      start: at('2027-01-15T08:00:00.000Z'),
      end: at('2027-02-15T08:00:00.000Z'),
    });
  });

  test('PAY-1d: consecutive periods never overlap nor leave a gap', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2090-01-01'), noInvalidDate: true }),
        fc.constantFrom<'monthly' | 'annual'>('monthly', 'annual'),
        fc.integer({ min: 0, max: 200 }),
        (anchor, cycle, index) => {
          const current = periodAt(anchor.getTime(), cycle, index);
          const next = periodAt(anchor.getTime(), cycle, index + 1);
          expect(current.end).toBe(next.start);
          expect(current.end).toBeGreaterThan(current.start);
        },
      ),
    );
  });

  test('CAN-1: a request on Friday evening is due by the end of Monday', () => {
    expect(iso(endOfNextBusinessDay(at('2026-11-20T18:30:00.000Z'), []))).toBe(
      '2026-11-23T23:59:59.999Z',
    );
  });

  test('CAN-1: a request on a weekday is due by the end of the next weekday', () => {
    expect(iso(endOfNextBusinessDay(at('2026-11-24T09:00:00.000Z'), []))).toBe(
      '2026-11-25T23:59:59.999Z',
    );
  });

  test('CAN-1: holidays in the calendar are skipped like weekends', () => {
    // Thursday 24 Dec 2026; Friday 25 is a holiday, then the weekend.
    expect(iso(endOfNextBusinessDay(at('2026-12-24T12:00:00.000Z'), ['2026-12-25']))).toBe(
      '2026-12-28T23:59:59.999Z',
    );
    expect(iso(endOfNextBusinessDay(at('2026-11-20T18:30:00.000Z'), ['2026-11-23']))).toBe(
      '2026-11-24T23:59:59.999Z',
    );
  });

  test('CAN-1: a request on Saturday is due by the end of Monday', () => {
    expect(iso(endOfNextBusinessDay(at('2026-11-21T10:00:00.000Z'), []))).toBe(
      '2026-11-23T23:59:59.999Z',
    );
    expect(isBusinessDay(at('2026-11-21T10:00:00.000Z'), [])).toBe(false);
  });
});
