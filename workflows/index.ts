/** Every workflow the worker runs; bundled for Temporal's deterministic sandbox. */
export { accountWorkflow } from './account';
export { couponWorkflow } from './coupon';
export { priceChangeWorkflow } from './price-change';
export { retentionWorkflow } from './retention';
