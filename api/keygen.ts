/**
 * `npx tsx api/keygen.ts <role> [accountId] [label]`: prints a new API key and the entry to add
 * to API_KEYS. The key is shown once; only its SHA-256 digest goes into configuration.
 *
 *   npx tsx api/keygen.ts support "support desk"
 *   npx tsx api/keygen.ts owner acc_3f2a9c0d1e4b5a6978c0d1e2
 */
import { apiRoles, type ApiKeyEntry, type ApiRole } from '../infra/config';
import { generateKey, keyDigestHex } from './keys';

export function keygen(args: readonly string[]): { key: string; entry: ApiKeyEntry } {
  const [role, ...rest] = args;
  if (role === undefined || !(apiRoles as readonly string[]).includes(role)) {
    throw new Error(`usage: keygen <${apiRoles.join('|')}> [accountId for owner] [label]`);
  }
  const owner = role === 'owner';
  const accountId = owner ? (rest.shift() ?? null) : null;
  if (owner && (accountId === null || !/^acc_[0-9a-f]{24}$/.test(accountId))) {
    throw new Error('an owner key needs the account id it belongs to (acc_ + 24 hex digits)');
  }
  const label = rest.join(' ').trim() || null;
  const key = generateKey();
  return { key, entry: { role: role as ApiRole, sha256: keyDigestHex(key), accountId, label } };
}

if (require.main === module) {
  try {
    const { key, entry } = keygen(process.argv.slice(2));
    const { accountId, label, ...rest } = entry;
    const configEntry = {
      ...rest,
      ...(accountId ? { accountId } : {}),
      ...(label ? { label } : {}),
    };
    process.stdout.write(
      `key (give it to the caller, it is not stored anywhere):\n  ${key}\n\n` +
        `API_KEYS entry (add it to the JSON list):\n  ${JSON.stringify(configEntry)}\n`,
    );
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
