/**
 * Stripe events the API has handled, by event id (table `stripe_events`): the record that
 * makes a redelivered webhook change nothing. Only ids, the type and the outcome are stored.
 */
import type pg from 'pg';

export const webhookOutcomes = [
  'signalled',
  'ignored_unknown_type',
  'ignored_no_account',
  'ignored_account_not_running',
] as const;
export type WebhookOutcome = (typeof webhookOutcomes)[number];

export interface StripeEventRecord {
  readonly eventId: string;
  readonly type: string;
  readonly accountId: string | null;
  readonly outcome: WebhookOutcome;
}

export interface WebhookStore {
  /** Whether this event id was handled before. */
  seen(eventId: string): Promise<boolean>;
  /** Records a handled event; false when it was already recorded (a concurrent delivery). */
  record(event: StripeEventRecord): Promise<boolean>;
}

export class PgWebhookStore implements WebhookStore {
  constructor(private readonly pool: pg.Pool) {}

  async seen(eventId: string): Promise<boolean> {
    const result = await this.pool.query('SELECT 1 FROM stripe_events WHERE event_id = $1', [
      eventId,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async record(event: StripeEventRecord): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO stripe_events (event_id, type, account_id, outcome)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (event_id) DO NOTHING`,
      [event.eventId, event.type, event.accountId, event.outcome],
    );
    return (result.rowCount ?? 0) > 0;
  }
}
