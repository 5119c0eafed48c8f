/** Builds Go tools from the Go module proxy with `go install`, into the project's tool cache. */
import { buildIntoCache, runWithProgress, type Log } from './cache';
import type { GoTool } from './versions';

export async function goInstall(tool: GoTool, go: string, log: Log): Promise<string> {
  log(
    `${tool.name}: building ${tool.module}@${tool.version} with go install ` +
      '(several minutes on a cold machine, seconds with a warm Go cache)',
  );
  return buildIntoCache(tool.bin, tool.version, (dir) =>
    runWithProgress(
      `${tool.name}: go install`,
      go,
      // -v names each package as it is compiled, so progress lines show the build moving.
      ['install', '-v', `${tool.module}@${tool.version}`],
      log,
      {
        env: {
          ...process.env,
          GOBIN: dir,
          // Build from the module proxy, not a checkout: no VCS stamping, no workspace.
          GOFLAGS: [process.env.GOFLAGS, '-buildvcs=false'].filter(Boolean).join(' '),
          GOWORK: 'off',
        },
      },
    ),
  );
}
