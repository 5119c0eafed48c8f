import { keygen } from '../../api/keygen';
import {
  bearerKey,
  digestsEqual,
  generateKey,
  keyDigest,
  keyDigestHex,
  KeyRing,
} from '../../api/keys';
import { apiKeys, ConfigError, loadConfig } from '../../infra/config';

describe('API keys in configuration (API_KEYS)', () => {
  const sha = (key: string) => keyDigestHex(key);

  it('reads a JSON list of roles and digests; owner keys name their account', () => {
    const support = generateKey();
    const owner = generateKey();
    const config = loadConfig({
      API_KEYS: JSON.stringify([
        { role: 'support', sha256: sha(support), label: 'desk' },
        { role: 'owner', sha256: sha(owner), accountId: 'acc_0123456789abcdef01234567' },
      ]),
    });
    expect(config.auth.keys).toEqual([
      { role: 'support', sha256: sha(support), accountId: null, label: 'desk' },
      { role: 'owner', sha256: sha(owner), accountId: 'acc_0123456789abcdef01234567', label: null },
    ]);
    expect(Object.isFrozen(config.auth.keys)).toBe(true);
  });

  it('no API_KEYS means no configured keys', () => {
    expect(loadConfig({}).auth.keys).toEqual([]);
  });

  const invalid: [string, string][] = [
    ['not JSON', '[{'],
    ['not a list', '{}'],
    ['an unknown role', JSON.stringify([{ role: 'admin', sha256: 'a'.repeat(64) }])],
    ['a digest that is not hex', JSON.stringify([{ role: 'ops', sha256: 'z'.repeat(64) }])],
    ['a digest of the wrong length', JSON.stringify([{ role: 'ops', sha256: 'a'.repeat(63) }])],
    ['an owner without an account', JSON.stringify([{ role: 'owner', sha256: 'a'.repeat(64) }])],
    [
      'a support key bound to an account',
      JSON.stringify([{ role: 'support', sha256: 'a'.repeat(64), accountId: 'acc_1' }]),
    ],
    [
      'the same digest twice',
      JSON.stringify([
        { role: 'ops', sha256: 'a'.repeat(64) },
        { role: 'support', sha256: 'a'.repeat(64) },
      ]),
    ],
    [
      'a label that is not text',
      JSON.stringify([{ role: 'ops', sha256: 'a'.repeat(64), label: 1 }]),
    ],
  ];
  it.each(invalid)('%s fails at boot with a ConfigError', (_name, value) => {
    expect(() => apiKeys(value)).toThrow(ConfigError);
  });

  it('rate limits and proxy trust are configurable, with defaults', () => {
    expect(loadConfig({}).rateLimit).toEqual({
      perKeyPerMinute: 300,
      signupsPerClientPerHour: 10,
      trustProxy: false,
    });
    expect(
      loadConfig({
        API_RATE_LIMIT_PER_MINUTE: '60',
        API_SIGNUPS_PER_HOUR: '3',
        API_TRUST_PROXY: 'true',
      }).rateLimit,
    ).toEqual({ perKeyPerMinute: 60, signupsPerClientPerHour: 3, trustProxy: true });
    expect(() => loadConfig({ API_RATE_LIMIT_PER_MINUTE: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ API_TRUST_PROXY: 'maybe' })).toThrow(ConfigError);
  });
});

describe('keys', () => {
  it('are 256 random bits with a recognisable prefix, stored as SHA-256 digests', () => {
    const key = generateKey();
    expect(key).toMatch(/^bk_[A-Za-z0-9_-]{43}$/);
    expect(generateKey()).not.toBe(key);
    expect(keyDigestHex(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(digestsEqual(keyDigest(key), keyDigest(key))).toBe(true);
    expect(digestsEqual(keyDigest(key), keyDigest(generateKey()))).toBe(false);
    expect(digestsEqual(keyDigest(key), Buffer.alloc(3))).toBe(false);
  });

  it('the key ring finds the configured key and its role, and nothing else', () => {
    const ops = generateKey();
    const ring = new KeyRing([
      { role: 'ops', sha256: keyDigestHex(ops), accountId: null, label: null },
    ]);
    expect(ring.match(keyDigest(ops))).toMatchObject({ role: 'ops', accountId: null });
    expect(ring.match(keyDigest(generateKey()))).toBeNull();
  });

  it('are read from "Authorization: Bearer" only when shaped like a key', () => {
    const key = generateKey();
    expect(bearerKey(`Bearer ${key}`)).toBe(key);
    expect(bearerKey(`bearer ${key}`)).toBe(key);
    expect(bearerKey(key)).toBeNull();
    expect(bearerKey(`Bearer ${key} extra`)).toBeNull();
    expect(bearerKey('Bearer sk_live_123')).toBeNull();
    expect(bearerKey(undefined)).toBeNull();
  });
});

describe('api/keygen.ts', () => {
  it('prints a key whose entry configuration accepts and which matches the key', () => {
    const { key, entry } = keygen(['support', 'support', 'desk']);
    expect(entry).toEqual({
      role: 'support',
      sha256: keyDigestHex(key),
      accountId: null,
      label: 'support desk',
    });
    expect(apiKeys(JSON.stringify([entry]))).toEqual([entry]);
  });

  it('binds owner keys to an account and refuses owners without one', () => {
    const { entry } = keygen(['owner', 'acc_0123456789abcdef01234567']);
    expect(entry).toMatchObject({ role: 'owner', accountId: 'acc_0123456789abcdef01234567' });
    expect(() => keygen(['owner'])).toThrow(/account id/);
    expect(() => keygen(['root'])).toThrow(/usage/);
    expect(() => keygen([])).toThrow(/usage/);
  });
});
