/** Waiting, in real time, for a workflow to catch up with the time the test server skipped. */
import type { WorkflowHandle } from '@temporalio/client';
import { accountStateQuery, type AccountView } from '../../workflows/messages';

/** Reads until `predicate` holds (20 s at most), returning the value that matched. */
export async function eventually<T>(
  read: () => Promise<T>,
  predicate: (value: T) => boolean,
): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (predicate(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`State never matched; last seen ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Queries the account's state until `predicate` holds. */
export function accountEventually(
  handle: WorkflowHandle,
  predicate: (view: AccountView) => boolean,
): Promise<AccountView> {
  return eventually(() => handle.query(accountStateQuery), predicate);
}
