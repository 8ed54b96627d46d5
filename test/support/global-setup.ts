import { loadConfig } from '../../src/config';
import { toolchainPaths } from '../../src/devstack/toolchain';
import { LogstreamTestEnvironment } from '../../src/testing';

declare global {
  /** The stack started by global-setup, stopped by global-teardown (both run in Jest's parent realm). */
  var logstreamTestStack: LogstreamTestEnvironment | undefined;
}

/**
 * Starts one local stack on free ports (in-memory Temporal; AWS behind the strict AWS layer unless
 * LOGSTREAM_STRICT_AWS=0) through `logstream/testing`, as a user's tests would, and exports its coordinates through
 * process.env.
 */
export default async function globalSetup(): Promise<void> {
  const tools = toolchainPaths();
  const stack = await LogstreamTestEnvironment.createLocal({
    temporalExecutable: tools.temporal,
    pythonExecutable: tools.python,
    strictAws: loadConfig({ LOGSTREAM_STRICT_AWS: process.env.LOGSTREAM_STRICT_AWS }).strictAws,
  });
  globalThis.logstreamTestStack = stack;

  // Workers are forked after globalSetup, so they inherit these; in-band tests read them directly.
  Object.assign(process.env, {
    ...stack.env,
    // The dev server's Web UI, for the tests that open it in a browser.
    LOGSTREAM_TEST_TEMPORAL_UI_URL: stack.temporalUiUrl,
    // Quiet processes in tests: warnings and errors only.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // TestWorkflowEnvironment must run these instead of downloading a server at run time.
    LOGSTREAM_TEST_TEMPORAL_BIN: tools.temporal,
    LOGSTREAM_TEST_SERVER_BIN: tools.testServer,
  });
}
