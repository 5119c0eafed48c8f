import { reportActivity, type AccountState } from '../../workflows/policy/account';
import { DAY_MS } from '../../workflows/policy/periods';

/**
 * An account the product reports in use every day of a billing test: its last reported
 * activity is the end of the test's horizon (five years after signup unless given), so the
 * inactivity clock (INACT-1, INACT-2) never fires before the billing deadlines under test.
 */
export function inDailyUse(
  state: AccountState,
  horizon: number = state.createdAt + 5 * 365 * DAY_MS,
): AccountState {
  return reportActivity(state, horizon);
}
