/** The time-skipping test server for workflow tests. */
export { startTimeSkipping } from '../support/time-skipping';
