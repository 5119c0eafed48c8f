/**
 * API keys: random, shown once, stored and configured only as SHA-256 digests, compared in
 * constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry, ApiRole } from '../infra/config';

/** Keys look like `bk_<43 url-safe characters>`: 256 random bits with a recognisable prefix. */
export const KEY_PATTERN = /^bk_[A-Za-z0-9_-]{43}$/;

export function generateKey(): string {
  return `bk_${randomBytes(32).toString('base64url')}`;
}

export function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function keyDigestHex(key: string): string {
  return keyDigest(key).toString('hex');
}

export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Who is calling: a role, and for owners the one account the key is bound to. */
export interface Principal {
  readonly role: ApiRole;
  readonly accountId: string | null;
  /** Stable id for rate limits and idempotency records; never the key itself. */
  readonly id: string;
}

interface ConfiguredKey {
  readonly digest: Buffer;
  readonly entry: ApiKeyEntry;
}

/** The configured keys, ready for constant-time matching. */
export class KeyRing {
  private readonly keys: readonly ConfiguredKey[];

  constructor(entries: readonly ApiKeyEntry[]) {
    this.keys = entries.map((entry) => ({ digest: Buffer.from(entry.sha256, 'hex'), entry }));
  }

  /** Compares against every configured key, so the time taken says nothing about which. */
  match(digest: Buffer): Principal | null {
    let found: ApiKeyEntry | null = null;
    for (const key of this.keys) {
      if (digestsEqual(digest, key.digest) && found === null) found = key.entry;
    }
    if (found === null) return null;
    return principalFor(found.role, found.accountId, found.sha256);
  }
}

export function principalFor(
  role: ApiRole,
  accountId: string | null,
  digestHex: string,
): Principal {
  // Owners are scoped by account, so a rotated key keeps the account's idempotency records.
  const id =
    role === 'owner' && accountId !== null
      ? `owner:${accountId}`
      : `${role}:${digestHex.slice(0, 16)}`;
  return { role, accountId, id };
}

/** The bearer token of an `Authorization` header, if it is shaped like one of our keys. */
export function bearerKey(header: string | undefined): string | null {
  if (header === undefined) return null;
  const token = /^Bearer ([^\s]+)$/i.exec(header.trim())?.[1];
  return token !== undefined && KEY_PATTERN.test(token) ? token : null;
}
