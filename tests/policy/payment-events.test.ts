/** What a Stripe payment event means for an account: a record, deduplicated, never money. */
import { openAccount, type AccountState } from '../../workflows/policy/account';
import {
  believedPaid,
  noPaymentEvents,
  receivePaymentEvent,
  REMEMBERED_PAYMENT_EVENTS,
  resumePaymentEvents,
  viewPaymentEvents,
  type PaymentEventsState,
  type ReceivedPaymentEvent,
} from '../../workflows/policy/payment-events';
import { teamPlan } from '../workflows/fakes';

const NOW = Date.parse('2026-11-22T10:00:00Z');

function account(overrides: Partial<AccountState> = {}): AccountState {
  const opened = openAccount({
    accountId: 'acc1',
    plan: teamPlan,
    seats: 2,
    cycle: 'monthly',
    now: NOW,
  });
  return { ...opened, ...overrides };
}

function event(overrides: Partial<ReceivedPaymentEvent> = {}): ReceivedPaymentEvent {
  return {
    eventId: 'evt_1',
    type: 'payment_succeeded',
    invoiceId: 'acc1-0001',
    paymentIntentId: 'pi_1',
    amount: 3800,
    currency: 'USD',
    ...overrides,
  };
}

function recorded(events: PaymentEventsState, state: AccountState, e: ReceivedPaymentEvent) {
  const decision = receivePaymentEvent(events, state, e, NOW);
  if (decision.kind !== 'recorded') throw new Error('expected the event to be recorded');
  return decision;
}

describe('payment events from Stripe', () => {
  it('records a new event and shows it', () => {
    const decision = recorded(noPaymentEvents(), account({ invoiceCount: 1 }), event());
    expect(decision.alert).toBeNull();
    expect(viewPaymentEvents(decision.events)).toEqual({
      received: 1,
      lastPaymentEvent: {
        eventId: 'evt_1',
        type: 'payment_succeeded',
        invoiceId: 'acc1-0001',
        paymentIntentId: 'pi_1',
        amount: 3800,
        currency: 'USD',
        receivedAt: '2026-11-22T10:00:00.000Z',
      },
    });
  });

  it('a redelivered event id is a duplicate and changes nothing', () => {
    const { events } = recorded(noPaymentEvents(), account(), event());
    expect(receivePaymentEvent(events, account(), event({ type: 'payment_failed' }), NOW)).toEqual({
      kind: 'duplicate',
    });
  });

  it(`remembers only the last ${REMEMBERED_PAYMENT_EVENTS} event ids`, () => {
    let events = noPaymentEvents();
    for (let index = 0; index < REMEMBERED_PAYMENT_EVENTS + 20; index += 1) {
      events = recorded(events, account(), event({ eventId: `evt_${index}` })).events;
    }
    expect(events.recentEventIds).toHaveLength(REMEMBERED_PAYMENT_EVENTS);
    expect(events.recentEventIds[0]).toBe('evt_20');
    expect(events.received).toBe(REMEMBERED_PAYMENT_EVENTS + 20);
    expect(receivePaymentEvent(events, account(), event({ eventId: 'evt_119' }), NOW).kind).toBe(
      'duplicate',
    );
  });

  it('a failure for an invoice the account holds paid is an alert for ops', () => {
    const state = account({ invoiceCount: 1 });
    const decision = recorded(noPaymentEvents(), state, event({ type: 'payment_failed' }));
    expect(decision.alert).toBe('failure_reported_for_paid_invoice');
  });

  it('a failure for an invoice not issued, or of another account, or without one, is no alert', () => {
    const state = account({ invoiceCount: 1 });
    for (const invoiceId of ['acc1-0002', 'acc2-0001', 'acc1-x', null]) {
      const decision = recorded(
        noPaymentEvents(),
        state,
        event({ type: 'payment_failed', invoiceId }),
      );
      expect(decision.alert).toBeNull();
    }
  });

  it('an invoice still being charged or left unpaid is not believed paid', () => {
    const state = account({ invoiceCount: 2 });
    const inFlight = { invoice: { invoiceId: 'acc1-0002' } } as unknown as AccountState['charge'];
    expect(believedPaid(state, 'acc1-0002')).toBe(true);
    expect(believedPaid({ ...state, charge: inFlight }, 'acc1-0002')).toBe(false);
    expect(believedPaid({ ...state, unpaid: inFlight }, 'acc1-0002')).toBe(false);
    expect(believedPaid({ ...state, unpaid: inFlight }, 'acc1-0001')).toBe(true);
  });

  it('a run from before payment events resumes with none', () => {
    expect(resumePaymentEvents(undefined)).toEqual(noPaymentEvents());
    const { events } = recorded(noPaymentEvents(), account(), event());
    expect(resumePaymentEvents(events)).toBe(events);
  });
});
