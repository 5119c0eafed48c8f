/**
 * The Java time-skipping test server, resolved from Maven Central with Maven and launched by a
 * small script that takes the port as its first argument, the way `@temporalio/testing` calls an
 * `existing-path` server.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { buildIntoCache, runWithProgress, type Log } from './cache';
import { testServer } from './versions';

const pom = path.join(__dirname, 'test-server', 'pom.xml');

export async function buildTestServer(mvn: string, log: Log): Promise<string> {
  const coordinates = `${testServer.groupId}:${testServer.artifactId}:${testServer.version}`;
  log(`${testServer.name}: resolving ${coordinates} and its dependencies with Maven`);
  return buildIntoCache(testServer.bin, testServer.version, async (dir) => {
    await runWithProgress(
      `${testServer.name}: mvn dependency:copy-dependencies`,
      mvn,
      [
        '-B',
        '-q',
        '-Dstyle.color=never',
        '-f',
        pom,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${path.join(dir, 'lib')}`,
        '-DincludeScope=runtime',
        `-Dtemporal.test-server.version=${testServer.version}`,
      ],
      log,
    );
    await fs.writeFile(path.join(dir, testServer.bin), launcher(), { mode: 0o755 });
  });
}

function launcher(): string {
  return [
    '#!/bin/sh',
    `# ${testServer.name} ${testServer.version} (Maven Central ${testServer.groupId}:${testServer.artifactId}).`,
    '# Usage: temporal-test-server <port> [server arguments...]',
    '# Written by infra/tools/test-server.ts; the jars are in lib/ beside the real path of this script.',
    'set -e',
    'here=$(dirname -- "$(readlink -f -- "$0")")',
    'java=java',
    'if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"; fi',
    `exec "$java" -cp "$here/lib/*" ${testServer.mainClass} "$@"`,
    '',
  ].join('\n');
}
