/**
 * The TERM-1 commands of the account workflow, registered by the account workflow with its own
 * `submit` and `validate`, so that the shell stays one loop. Validators refuse at once (the
 * caller gets the code and sentence); the loop checks again before applying.
 */
import { setHandler } from '@temporalio/workflow';
import type { CommandResult } from './messages';
import {
  reactivateAccountUpdate,
  suspendAccountUpdate,
  terminateAccountUpdate,
  type OpsActionInput,
  type ReactivationInput,
} from './ops-messages';
import type { AccountInput } from './policy/account';

export function registerOpsHandlers(shell: {
  readonly submit: (input: AccountInput) => Promise<CommandResult>;
  readonly validate: (input: AccountInput) => void;
}): void {
  const suspension = ({ reason, urgent }: OpsActionInput): AccountInput => ({
    kind: 'ops_suspension_requested',
    reason,
    urgent: urgent === true,
  });
  const termination = ({ reason, urgent }: OpsActionInput): AccountInput => ({
    kind: 'ops_termination_requested',
    reason,
    urgent: urgent === true,
  });
  const reactivation = ({ reason }: ReactivationInput): AccountInput => ({
    kind: 'ops_reactivation_requested',
    reason,
  });

  setHandler(suspendAccountUpdate, (input) => shell.submit(suspension(input)), {
    validator: (input: OpsActionInput) => shell.validate(suspension(input)),
  });
  setHandler(reactivateAccountUpdate, (input) => shell.submit(reactivation(input)), {
    validator: (input: ReactivationInput) => shell.validate(reactivation(input)),
  });
  setHandler(terminateAccountUpdate, (input) => shell.submit(termination(input)), {
    validator: (input: OpsActionInput) => shell.validate(termination(input)),
  });
}
