/**
 * The plan catalog as the API reads it: a JSON file, parsed again whenever it changes on disk,
 * so that plans and limits change without a deploy (FREE-1).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Catalog } from '../workflows/policy/catalog';

export const defaultCatalogPath = path.join(__dirname, '..', 'infra', 'catalog.json');

export function fileCatalog(file: string = defaultCatalogPath): () => Promise<Catalog> {
  let cached: { mtimeMs: number; size: number; catalog: Catalog } | null = null;
  return async () => {
    const info = await stat(file);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) {
      return cached.catalog;
    }
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      !Array.isArray((parsed as { plans?: unknown }).plans)
    ) {
      throw new Error(`${file} is not a plan catalog ({ "plans": [...] })`);
    }
    cached = { mtimeMs: info.mtimeMs, size: info.size, catalog: parsed as Catalog };
    return cached.catalog;
  };
}
