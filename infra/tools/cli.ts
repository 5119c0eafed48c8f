/**
 * `npm run tools`: provisions the Temporal CLI, stripe-mock and the time-skipping test server
 * (see ./index.ts for where each comes from) and prints where they are.
 */
import { errorMessage, formatDuration } from '../processes';
import { describeTool, provisionTools, toolContext, toolEnv } from './index';

async function main(): Promise<void> {
  const started = Date.now();
  const log = (line: string): void => console.log(`[tools] ${line}`);
  const tools = await provisionTools(toolContext(log));
  console.log(`tools ready in ${formatDuration(Date.now() - started)}:`);
  console.log(`  Temporal CLI  (${toolEnv.temporalCli})  ${describeTool(tools.temporalCli)}`);
  console.log(`  stripe-mock   (${toolEnv.stripeMock})  ${describeTool(tools.stripeMock)}`);
  console.log(`  test server   (${toolEnv.testServer})  ${describeTool(tools.testServer)}`);
}

main().catch((error: unknown) => {
  console.error(`[tools] ${errorMessage(error)}`);
  process.exitCode = 1;
});
