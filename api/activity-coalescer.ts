/**
 * INACT-1 at scale: the product may report activity on every request, but the account
 * workflow only needs to know that the account was used recently. Each API process passes on
 * at most one report per account per window; the rest are dropped here, so an account used
 * every second costs its workflow one signal (about 4 history events) per window instead of
 * one per second.
 *
 * The cost is precision: the workflow's clock may lag the true last activity by up to one
 * window, so a warning can come that much early (15 minutes out of 28 days). A report is only
 * counted as passed on once the signal has been accepted, so a failed signal is retried by the
 * next report.
 */

/** How long after a report for an account further reports for it are dropped. */
export const ACTIVITY_REPORT_WINDOW_MS = 15 * 60 * 1000;
/** Accounts remembered at most; the oldest are forgotten first (then simply reported again). */
const MAX_REMEMBERED = 100_000;

export class ActivityCoalescer {
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly send: (accountId: string) => Promise<void>,
    private readonly now: () => number = Date.now,
    private readonly windowMs: number = ACTIVITY_REPORT_WINDOW_MS,
  ) {}

  /** Passes the report on unless one for this account was passed on within the window. */
  async report(accountId: string): Promise<'sent' | 'coalesced'> {
    const at = this.now();
    const last = this.lastSent.get(accountId);
    if (last !== undefined && at - last < this.windowMs) return 'coalesced';
    await this.send(accountId);
    this.lastSent.delete(accountId);
    this.lastSent.set(accountId, at);
    if (this.lastSent.size > MAX_REMEMBERED) {
      const oldest = this.lastSent.keys().next().value;
      if (oldest !== undefined) this.lastSent.delete(oldest);
    }
    return 'sent';
  }
}
