import { loadConfig } from '../../src/config';
import { findFreePort, startLocalStack } from '../../src/devstack/local-stack';
import type { LocalStack } from '../../src/devstack/local-stack';
import { toolchainPaths } from '../../src/devstack/toolchain';

declare global {
  /** The stack started by global-setup, stopped by global-teardown (both run in Jest's parent realm). */
  var logstreamTestStack: LocalStack | undefined;
}

/**
 * Starts one local stack on free ports (in-memory Temporal; AWS behind the strict AWS layer unless
 * LOGSTREAM_STRICT_AWS=0) and exports its coordinates through process.env.
 */
export default async function globalSetup(): Promise<void> {
  const host = '127.0.0.1';
  const region = 'us-east-1';
  const tableName = 'logstream-execution-logs';
  const logGroup = '/logstream/executions';
  const tools = toolchainPaths();
  const stack = await startLocalStack({
    host,
    temporalPort: await findFreePort(host),
    temporalUiPort: await findFreePort(host),
    emulatorPort: await findFreePort(host),
    tableName,
    logGroup,
    region,
    strictAws: loadConfig({ LOGSTREAM_STRICT_AWS: process.env.LOGSTREAM_STRICT_AWS }).strictAws,
  });
  globalThis.logstreamTestStack = stack;

  // Workers are forked after globalSetup, so they inherit these; in-band tests read them directly.
  Object.assign(process.env, {
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    // The dev server's Web UI, for the tests that open it in a browser.
    LOGSTREAM_TEST_TEMPORAL_UI_URL: stack.temporalUiUrl,
    AWS_ENDPOINT_URL: stack.awsEndpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    LOGSTREAM_TABLE: tableName,
    // Quiet processes in tests: warnings and errors only.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    LOGSTREAM_LOG_GROUP: logGroup,
    // TestWorkflowEnvironment must run these instead of downloading a server at run time.
    LOGSTREAM_TEST_TEMPORAL_BIN: tools.temporal,
    LOGSTREAM_TEST_SERVER_BIN: tools.testServer,
  });
}
