/**
 * Coupon codes are never stored or sent to Temporal as they are: only the SHA-256 of the
 * normalised code (trimmed, upper case, without spaces or dashes), so a leaked table cannot be
 * read back into valid codes. Deal codes are long random strings, which makes guessing them
 * from their hashes as hard as guessing the codes.
 */
import { createHash } from 'node:crypto';

export function normalizeCode(code: string): string {
  return code.replace(/[\s-]+/g, '').toUpperCase();
}

export function hashCode(code: string): string {
  return createHash('sha256').update(normalizeCode(code), 'utf8').digest('hex');
}
