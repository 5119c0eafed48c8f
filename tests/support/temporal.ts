/**
 * Payload encryption for the tests (GDPR-1): every Temporal environment, client, connection and
 * worker in the tests encrypts workflow payloads the way the platform does, so the tests run
 * the codec on every payload they send and read.
 *
 * Give `temporalPlugins()` to `TestWorkflowEnvironment.create*({ plugins })` (or use
 * `timeSkippingOptions()`): the environment's client and every `Worker.create` on
 * `env.nativeConnection` then pick the codec up by themselves. On a dev server, give it to
 * `Connection.connect` and `NativeConnection.connect`.
 */
import type { Payload } from '@temporalio/common';
import type { TimeSkippingTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { payloadKeys, type PayloadKeys } from '../../infra/config';
import { ephemeralPayloadKeys, PayloadEncryptionPlugin } from '../../infra/payload-codec';
import { testServerOptions } from './env';

let keys: PayloadKeys | undefined;
let plugin: PayloadEncryptionPlugin | undefined;

/**
 * The keys `npm test` made for this run (PAYLOAD_KEYS), or a key for this test process: the
 * test servers keep nothing beyond a run, so no key has to outlive one.
 */
export function testPayloadKeys(): PayloadKeys {
  keys ??= payloadKeys(process.env.PAYLOAD_KEYS) ?? ephemeralPayloadKeys('test');
  return keys;
}

/** The payload encryption plugin for clients, connections and workers. */
export function testPayloadEncryption(): PayloadEncryptionPlugin {
  plugin ??= new PayloadEncryptionPlugin(testPayloadKeys());
  return plugin;
}

/** The `plugins` option of Temporal clients, connections and test environments. */
export function temporalPlugins(): PayloadEncryptionPlugin[] {
  return [testPayloadEncryption()];
}

/** Options of `TestWorkflowEnvironment.createTimeSkipping`: the test server, with encryption. */
export function timeSkippingOptions(): TimeSkippingTestWorkflowEnvironmentOptions {
  return { server: testServerOptions(), plugins: temporalPlugins() };
}

/** A payload found in a history, with where it was found (for failure messages). */
export interface FoundPayload {
  readonly path: string;
  readonly payload: Payload;
}

function isPayload(value: object): value is Payload {
  const metadata = (value as { metadata?: unknown }).metadata;
  return (
    typeof metadata === 'object' &&
    metadata !== null &&
    (metadata as Record<string, unknown>).encoding instanceof Uint8Array
  );
}

/**
 * Every payload in a raw history (inputs, results, signal and update arguments, memos, failure
 * details, headers), found by shape wherever the event puts it.
 */
export function historyPayloads(history: unknown): FoundPayload[] {
  const found: FoundPayload[] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
    if (isPayload(value)) {
      found.push({ path, payload: value });
      return;
    }
    for (const [key, child] of Object.entries(value)) walk(child, `${path}.${key}`);
  };
  walk(history, 'history');
  return found;
}

/** Bytes as UTF-8 text, for looking for plain text in payload data. */
export function utf8(bytes: Uint8Array | null | undefined): string {
  return bytes ? Buffer.from(bytes).toString('utf8') : '';
}
