/** Where the project keeps its local, git-ignored state. */
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
/** Provisioned binaries: one directory per tool and version, plus stable links in `bin/`. */
export const toolsDir = path.join(repoRoot, '.tools');
export const toolsBinDir = path.join(toolsDir, 'bin');
/** Databases of the local servers. */
export const dataDir = path.join(repoRoot, '.data');
