/**
 * Encryption of workflow payloads (GDPR-1, defence in depth): inputs, results, signal and update
 * arguments, queries, memos and heartbeat details are AES-256-GCM encrypted before they leave
 * the process, so Temporal's histories (and anyone reading them) hold ciphertext only.
 *
 * Format of an encrypted payload:
 *   metadata  encoding            = "binary/encrypted"
 *             encryption-key-id   = the id of the key it was encrypted with
 *   data      IV (12 random bytes) ‖ ciphertext ‖ GCM auth tag (16 bytes)
 * The plaintext is the whole original Payload (metadata and data), protobuf-encoded as
 * `temporal.api.common.v1.Payload`, so the original encoding survives the round trip. The key id
 * is authenticated as additional data: relabelling a payload with another key id fails.
 *
 * Rotation by key id: encoding always uses the current key; decoding picks the key named in the
 * payload. Rotating is adding a key, making it current, and keeping the old ones for as long as
 * histories encrypted with them are read (running workflows, retained closed ones).
 *
 * Payloads that are not encrypted (histories written before encryption was switched on) decode
 * unchanged; an encrypted payload with an unknown key id, or one that fails authentication,
 * throws a PayloadDecryptionError: nothing is ever silently misread.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ClientOptions, ClientPlugin } from '@temporalio/client';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type {
  NativeConnectionPlugin,
  ReplayWorkerOptions,
  WorkerOptions,
  WorkerPlugin,
} from '@temporalio/worker';
import {
  ConfigError,
  decodePayloadKey,
  payloadKeyBytes,
  payloadKeyIdPattern,
  payloadKeys,
  type PayloadKeys,
} from './config';

export type { PayloadKeys };

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class PayloadKeysError extends Error {}

/** Thrown when an encrypted payload cannot be decrypted: never passed on unreadable. */
export class PayloadDecryptionError extends Error {}

const utf8 = new TextEncoder();
const encodingBytes = utf8.encode(ENCRYPTED_ENCODING);

export class EncryptionCodec implements PayloadCodec {
  private readonly current: { readonly id: string; readonly key: KeyObject };
  private readonly keys: ReadonlyMap<string, KeyObject>;

  constructor(config: PayloadKeys) {
    const keys = new Map<string, KeyObject>();
    for (const [id, encoded] of Object.entries(config.keys)) {
      if (!payloadKeyIdPattern.test(id)) {
        throw new PayloadKeysError(
          `payload key id "${id}" must match ${payloadKeyIdPattern.source}`,
        );
      }
      const bytes = decodePayloadKey(encoded);
      if (bytes === null) {
        throw new PayloadKeysError(
          `payload key "${id}" must be ${payloadKeyBytes} bytes, base64-encoded`,
        );
      }
      keys.set(id, createSecretKey(bytes));
    }
    const current = keys.get(config.currentKeyId);
    if (current === undefined) {
      throw new PayloadKeysError(
        `the current payload key "${config.currentKeyId}" is not among the keys (${[...keys.keys()].join(', ') || 'none'})`,
      );
    }
    this.current = { id: config.currentKeyId, key: current };
    this.keys = keys;
  }

  /** The id new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.current.id;
  }

  // Errors reject the promise (the executor catches them) rather than throw synchronously.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.encrypt(payload))));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.decrypt(payload))));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.current;
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(utf8.encode(id));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: { encoding: encodingBytes, [KEY_ID_METADATA]: utf8.encode(id) },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    if (!isEncrypted(payload)) return payload; // written before encryption: read as it is
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!idBytes || idBytes.length === 0) {
      throw new PayloadDecryptionError(
        `an encrypted payload carries no ${KEY_ID_METADATA}: it cannot be decrypted`,
      );
    }
    const id = Buffer.from(idBytes).toString('utf8');
    const key = this.keys.get(id);
    if (key === undefined) {
      throw new PayloadDecryptionError(
        `a payload is encrypted with key "${id}", which is not configured ` +
          `(known: ${[...this.keys.keys()].join(', ')}); keep retired keys in PAYLOAD_KEYS for decoding`,
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(
        `an encrypted payload (key "${id}") is too short to hold an IV and an auth tag`,
      );
    }
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const ciphertext = data.subarray(IV_BYTES, data.length - TAG_BYTES);
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(idBytes);
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `an encrypted payload (key "${id}") failed authentication: ` +
          'it was altered, or the key configured under that id is not the one it was written with',
      );
    }
    return temporal.api.common.v1.Payload.decode(plaintext);
  }
}

export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.encoding;
  return encoding !== undefined && Buffer.from(encoding).toString('utf8') === ENCRYPTED_ENCODING;
}

/** A fresh random key, base64-encoded, as `PAYLOAD_KEYS` takes it. */
export function generatePayloadKey(): string {
  return randomBytes(payloadKeyBytes).toString('base64');
}

/** One fresh key, current: for servers whose histories live no longer than this process. */
export function ephemeralPayloadKeys(keyId = 'local'): PayloadKeys {
  return { currentKeyId: keyId, keys: { [keyId]: generatePayloadKey() } };
}

/** `PAYLOAD_KEYS` as JSON: `{ "current": "<id>", "keys": { "<id>": "<base64>" } }`. */
export function formatPayloadKeys(keys: PayloadKeys): string {
  return JSON.stringify({ current: keys.currentKeyId, keys: keys.keys });
}

/** The failure converter that moves failure messages and stack traces into encrypted payloads. */
export const failureConverterPath = require.resolve('./failure-converter');

/**
 * Adds `codec` as the last codec (encryption comes after any compression), once, and the
 * failure converter that hands failure messages to it, unless another one is configured.
 */
function withCodec(dataConverter: DataConverter | undefined, codec: PayloadCodec): DataConverter {
  const codecs = dataConverter?.payloadCodecs ?? [];
  return {
    ...dataConverter,
    failureConverterPath: dataConverter?.failureConverterPath ?? failureConverterPath,
    payloadCodecs: codecs.includes(codec) ? codecs : [...codecs, codec],
  };
}

type ClientConfig = Omit<ClientOptions, 'plugins'>;

/**
 * Payload encryption as a Temporal plugin, so one object wires every path: given to a
 * `Client` (or its `Connection`) it encrypts what the client sends and decrypts what it reads;
 * given to a `NativeConnection`, every `Worker` created on that connection uses it; given to
 * `TestWorkflowEnvironment.create*({ plugins })`, the environment's client, connections and the
 * workers created on `env.nativeConnection` all do.
 */
export class PayloadEncryptionPlugin implements ClientPlugin, WorkerPlugin, NativeConnectionPlugin {
  readonly codec: EncryptionCodec;

  constructor(keys: PayloadKeys) {
    this.codec = new EncryptionCodec(keys);
  }

  get name(): string {
    return 'billing.payload-encryption';
  }

  /** The data converter for code that is handed one rather than a plugin. */
  get dataConverter(): DataConverter {
    return withCodec(undefined, this.codec);
  }

  configureClient(options: ClientConfig): ClientConfig {
    return { ...options, dataConverter: withCodec(options.dataConverter, this.codec) };
  }

  configureWorker(options: WorkerOptions): WorkerOptions {
    return { ...options, dataConverter: withCodec(options.dataConverter, this.codec) };
  }

  configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    return { ...options, dataConverter: withCodec(options.dataConverter, this.codec) };
  }
}

/**
 * The payload keys `npm start` uses when PAYLOAD_KEYS is not set: kept in a git-ignored file
 * beside the dev server's database, so that a restart still reads the histories it kept.
 * Created with a fresh key the first time; read (and checked like PAYLOAD_KEYS) afterwards.
 */
export function localPayloadKeys(file: string): { keys: PayloadKeys; created: boolean } {
  if (fs.existsSync(file)) {
    const text = fs.readFileSync(file, 'utf8');
    let keys: PayloadKeys | null;
    try {
      keys = payloadKeys(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError(`${file} holds no usable payload keys: ${reason}`);
    }
    if (keys === null) throw new ConfigError(`${file} is empty: delete it to start afresh`);
    return { keys, created: false };
  }
  const keys = ephemeralPayloadKeys('local-1');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${formatPayloadKeys(keys)}\n`, { mode: 0o600, flag: 'wx' });
  return { keys, created: true };
}
