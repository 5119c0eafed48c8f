/**
 * Failure messages and stack traces travel in an encoded payload instead of plain fields, so the
 * payload codec encrypts them too (GDPR-1): an error text that quotes personal data (a rejected
 * recipient, a violated unique key) never reaches a history readable. Loaded by path, both by
 * the worker and clients (`DataConverter.failureConverterPath`) and, bundled, by workflow code;
 * it imports nothing but the SDK's common package, as workflow code must.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
