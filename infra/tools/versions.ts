/** The pinned versions of the binaries the platform needs locally. */

export interface GoTool {
  readonly name: string;
  readonly module: string;
  readonly version: string;
  readonly bin: string;
}

/**
 * Temporal CLI, for `temporal server start-dev` (frontend and Web UI). Later tags carry a
 * `replace` directive in go.mod, which `go install pkg@version` refuses.
 */
export const temporalCli: GoTool = {
  name: 'Temporal CLI',
  module: 'github.com/temporalio/cli/cmd/temporal',
  version: 'v1.5.1',
  bin: 'temporal',
};

/** Stripe's official API mock, so that nothing needs a Stripe account. */
export const stripeMock: GoTool = {
  name: 'stripe-mock',
  module: 'github.com/stripe/stripe-mock',
  version: 'v0.197.0',
  bin: 'stripe-mock',
};

/** The Java time-skipping test server from Maven Central (see infra/tools/test-server/pom.xml). */
export const testServer = {
  name: 'Temporal test server',
  groupId: 'io.temporal',
  artifactId: 'temporal-test-server',
  version: '1.31.0',
  mainClass: 'io.temporal.testserver.TestServer',
  bin: 'temporal-test-server',
} as const;
