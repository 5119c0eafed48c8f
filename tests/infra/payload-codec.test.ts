/**
 * The payload codec (GDPR-1, defence in depth): AES-256-GCM per payload, keys chosen by id so
 * that keys can be rotated, and loud failures for anything that cannot be decrypted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { ConfigError, loadConfig, type PayloadKeys } from '../../infra/config';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  KEY_ID_METADATA,
  PayloadDecryptionError,
  PayloadEncryptionPlugin,
  PayloadKeysError,
  failureConverterPath,
  formatPayloadKeys,
  isEncrypted,
  localPayloadKeys,
} from '../../infra/payload-codec';

const key = (): string => randomBytes(32).toString('base64');
const k1 = key();
const k2 = key();
const oldKeys: PayloadKeys = { currentKeyId: 'k1', keys: { k1 } };
const rotatedKeys: PayloadKeys = { currentKeyId: 'k2', keys: { k1, k2 } };

const text = (bytes: Uint8Array | null | undefined): string =>
  bytes ? Buffer.from(bytes).toString('utf8') : '';
const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);

const account = {
  accountId: 'acc_5f0c1d2e3b4a59687766554433',
  plan: { planId: 'team', currency: 'USD' },
  seats: 3,
  cycle: 'monthly',
};

async function encodeOne(codec: PayloadCodec, payload: Payload): Promise<Payload> {
  const [encoded] = await codec.encode([payload]);
  return encoded;
}

async function decodeOne(codec: PayloadCodec, payload: Payload): Promise<Payload> {
  const [decoded] = await codec.decode([payload]);
  return decoded;
}

/** A copy of `payload` with one byte of its data flipped. */
function flipped(payload: Payload, index: (length: number) => number): Payload {
  const data = Buffer.from(payload.data!);
  const at = index(data.length);
  data[at] = data[at] ^ 0x01;
  return { ...payload, data };
}

describe('payload codec', () => {
  it('GDPR-1: an encrypted payload carries its key id and no plain text, and decodes to the original', async () => {
    const codec = new EncryptionCodec(oldKeys);
    const original = toPayload(account);
    const encrypted = await encodeOne(codec, original);

    expect(text(encrypted.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted.metadata?.[KEY_ID_METADATA])).toBe('k1');
    expect(Object.keys(encrypted.metadata ?? {}).sort()).toEqual(['encoding', KEY_ID_METADATA]);
    const data = text(encrypted.data);
    expect(data).not.toContain(account.accountId);
    expect(data).not.toContain('team');
    expect(data).not.toContain('json/plain');
    expect(isEncrypted(encrypted)).toBe(true);

    const decoded = await decodeOne(codec, encrypted);
    expect(text(decoded.metadata?.encoding)).toBe('json/plain');
    expect(Buffer.from(decoded.data!).equals(Buffer.from(original.data!))).toBe(true);
    expect(fromPayload(decoded)).toEqual(account);
  });

  it('GDPR-1: any value round-trips, whatever its encoding (JSON, null, binary)', async () => {
    const codec = new EncryptionCodec(oldKeys);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.uint8Array({ maxLength: 200 })),
        async (value) => {
          const original = toPayload(value);
          const decoded = await decodeOne(codec, await encodeOne(codec, original));
          expect(fromPayload(decoded)).toEqual(fromPayload(original));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('GDPR-1: the same payload encrypts differently each time (a fresh IV per payload)', async () => {
    const codec = new EncryptionCodec(oldKeys);
    const original = toPayload(account);
    const [a, b] = await codec.encode([original, original]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
    expect(Buffer.from(a.data!).subarray(0, 12).equals(Buffer.from(b.data!).subarray(0, 12))).toBe(
      false,
    );
  });

  it('GDPR-1: payloads not encrypted (histories from before the codec) pass through unchanged', async () => {
    const codec = new EncryptionCodec(oldKeys);
    const plain = toPayload(account);
    expect(await decodeOne(codec, plain)).toBe(plain);
    expect(fromPayload(await decodeOne(codec, toPayload(null)))).toBeNull();
  });

  describe('key rotation', () => {
    it('GDPR-1: after rotation, payloads written with the old key still decode', async () => {
      const before = await encodeOne(new EncryptionCodec(oldKeys), toPayload(account));
      const after = new EncryptionCodec(rotatedKeys);
      expect(fromPayload(await decodeOne(after, before))).toEqual(account);
    });

    it('GDPR-1: after rotation, new payloads are encrypted with the new current key', async () => {
      const after = new EncryptionCodec(rotatedKeys);
      expect(after.currentKeyId).toBe('k2');
      const encrypted = await encodeOne(after, toPayload(account));
      expect(text(encrypted.metadata?.[KEY_ID_METADATA])).toBe('k2');
      // Only the new key opens it: a codec that knows k1 alone does not.
      await expect(decodeOne(new EncryptionCodec(oldKeys), encrypted)).rejects.toThrow(
        'a payload is encrypted with key "k2", which is not configured (known: k1)',
      );
    });

    it('GDPR-1: a payload whose key was dropped from the keys fails loudly, naming the key id', async () => {
      const encrypted = await encodeOne(new EncryptionCodec(oldKeys), toPayload(account));
      const withoutOld = new EncryptionCodec({ currentKeyId: 'k2', keys: { k2 } });
      // A rejected promise, as callers of a codec expect, not an exception thrown at the call.
      const decoding = withoutOld.decode([encrypted]);
      await expect(decoding).rejects.toThrow(PayloadDecryptionError);
      await expect(decodeOne(withoutOld, encrypted)).rejects.toThrow(
        /key "k1", which is not configured .*keep retired keys in PAYLOAD_KEYS/,
      );
    });
  });

  describe('tampering', () => {
    const codec = new EncryptionCodec(rotatedKeys);
    let encrypted: Payload;
    beforeAll(async () => {
      encrypted = await encodeOne(codec, toPayload(account));
    });
    const authentication = /failed authentication: it was altered/;

    it('GDPR-1: a changed ciphertext byte fails authentication', async () => {
      const tampered = flipped(encrypted, (length) => Math.floor(length / 2));
      await expect(decodeOne(codec, tampered)).rejects.toThrow(PayloadDecryptionError);
      await expect(decodeOne(codec, tampered)).rejects.toThrow(authentication);
    });

    it('GDPR-1: a changed auth tag fails authentication', async () => {
      await expect(
        decodeOne(
          codec,
          flipped(encrypted, (length) => length - 1),
        ),
      ).rejects.toThrow(authentication);
    });

    it('GDPR-1: a changed IV fails authentication', async () => {
      await expect(
        decodeOne(
          codec,
          flipped(encrypted, () => 0),
        ),
      ).rejects.toThrow(authentication);
    });

    it('GDPR-1: a payload relabelled with another known key id fails authentication', async () => {
      const relabelled: Payload = {
        ...encrypted,
        metadata: { ...encrypted.metadata, [KEY_ID_METADATA]: Buffer.from('k1') },
      };
      await expect(decodeOne(codec, relabelled)).rejects.toThrow(authentication);
    });

    it('GDPR-1: the right key id with other key bytes fails authentication', async () => {
      const impostor = new EncryptionCodec({ currentKeyId: 'k2', keys: { k2: key() } });
      await expect(decodeOne(impostor, encrypted)).rejects.toThrow(authentication);
    });

    it('GDPR-1: a truncated payload or one without a key id is refused', async () => {
      const truncated = { ...encrypted, data: encrypted.data!.subarray(0, 20) };
      await expect(decodeOne(codec, truncated)).rejects.toThrow(/too short/);
      const unnamed: Payload = {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING) },
        data: encrypted.data,
      };
      await expect(decodeOne(codec, unnamed)).rejects.toThrow(/carries no encryption-key-id/);
    });
  });
});

describe('payload keys in configuration (PAYLOAD_KEYS)', () => {
  it('GDPR-1: reads the current key id and every key', () => {
    const config = loadConfig({
      PAYLOAD_KEYS: JSON.stringify({ current: 'k2', keys: { k1, k2 } }),
    });
    expect(config.payloadEncryption).toEqual(rotatedKeys);
    expect(Object.isFrozen(config.payloadEncryption?.keys)).toBe(true);
    expect(loadConfig({ PAYLOAD_KEYS: formatPayloadKeys(oldKeys) }).payloadEncryption).toEqual(
      oldKeys,
    );
  });

  it('GDPR-1: unset means no keys, which the worker and the API refuse to start with', () => {
    expect(loadConfig({}).payloadEncryption).toBeNull();
    expect(loadConfig({ PAYLOAD_KEYS: ' ' }).payloadEncryption).toBeNull();
  });

  const invalid: [string, string, RegExp][] = [
    ['not JSON', '{', /PAYLOAD_KEYS must be JSON .* it is not JSON/],
    ['a list', JSON.stringify([k1]), /PAYLOAD_KEYS must be JSON/],
    ['no keys', JSON.stringify({ current: 'k1' }), /"keys" is missing/],
    ['an empty key list', JSON.stringify({ current: 'k1', keys: {} }), /lists no key/],
    [
      'a 16-byte key',
      JSON.stringify({ current: 'k1', keys: { k1: randomBytes(16).toString('base64') } }),
      /PAYLOAD_KEYS.keys\["k1"\] must be 32 random bytes, base64-encoded/,
    ],
    [
      'a 33-byte key',
      JSON.stringify({ current: 'k1', keys: { k1: randomBytes(33).toString('base64') } }),
      /must be 32 random bytes/,
    ],
    [
      'a key that is not base64',
      JSON.stringify({ current: 'k1', keys: { k1: `${'!'.repeat(43)}=` } }),
      /must be 32 random bytes/,
    ],
    [
      'a key that is not a string',
      JSON.stringify({ current: 'k1', keys: { k1: 32 } }),
      /32 random bytes/,
    ],
    ['no current key', JSON.stringify({ keys: { k1 } }), /PAYLOAD_KEYS.current must name the key/],
    [
      'a current key not among the keys',
      JSON.stringify({ current: 'k3', keys: { k1, k2 } }),
      /PAYLOAD_KEYS.current is "k3", which is not among its keys \(k1, k2\)/,
    ],
    [
      'an inherited property as the current key',
      JSON.stringify({ current: 'toString', keys: { k1 } }),
      /not among its keys/,
    ],
    [
      'a key id with spaces',
      JSON.stringify({ current: 'key one', keys: { 'key one': k1 } }),
      /key id "key one" must be 1-64 letters/,
    ],
  ];

  it.each(invalid)('GDPR-1: refuses %s with a clear startup error', (_what, value, message) => {
    expect(() => loadConfig({ PAYLOAD_KEYS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ PAYLOAD_KEYS: value })).toThrow(message);
  });

  it('GDPR-1: the codec itself refuses keys that are not 32 bytes or a current id it lacks', () => {
    expect(() => new EncryptionCodec({ currentKeyId: 'k1', keys: { k1: 'c2hvcnQ=' } })).toThrow(
      PayloadKeysError,
    );
    expect(() => new EncryptionCodec({ currentKeyId: 'k9', keys: { k1 } })).toThrow(
      'the current payload key "k9" is not among the keys (k1)',
    );
  });

  it('GDPR-1: npm start keeps its local key in a file, so a restart reads the kept histories', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payload-keys-'));
    try {
      const file = path.join(dir, 'nested', 'payload-keys.json');
      const first = localPayloadKeys(file);
      expect(first.created).toBe(true);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const again = localPayloadKeys(file);
      expect(again).toEqual({ keys: first.keys, created: false });
      // The file is what PAYLOAD_KEYS would hold.
      expect(loadConfig({ PAYLOAD_KEYS: fs.readFileSync(file, 'utf8') }).payloadEncryption).toEqual(
        first.keys,
      );

      fs.writeFileSync(file, '{"current":"x"}');
      expect(() => localPayloadKeys(file)).toThrow(ConfigError);
      expect(() => localPayloadKeys(file)).toThrow(`${file} holds no usable payload keys`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('payload encryption plugin', () => {
  it('GDPR-1: adds the codec once, after any codec already configured (compression first)', () => {
    const plugin = new PayloadEncryptionPlugin(oldKeys);
    const compression: PayloadCodec = {
      encode: (payloads) => Promise.resolve(payloads),
      decode: (payloads) => Promise.resolve(payloads),
    };
    const once = plugin.configureClient({ dataConverter: { payloadCodecs: [compression] } });
    // A client given the plugin directly and through its connection is configured twice.
    const twice = plugin.configureClient(once);
    expect(twice.dataConverter?.payloadCodecs).toEqual([compression, plugin.codec]);
    // Failure messages go into payloads, so that the codec encrypts them as well.
    expect(twice.dataConverter?.failureConverterPath).toBe(failureConverterPath);
    const own = plugin.configureWorker({
      taskQueue: 'q',
      dataConverter: { failureConverterPath: '/elsewhere.js' },
    });
    expect(own.dataConverter?.failureConverterPath).toBe('/elsewhere.js');
    expect(plugin.dataConverter.payloadCodecs).toEqual([plugin.codec]);
  });
});
