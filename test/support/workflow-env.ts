import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: run the workflow tests through jest, whose global setup exports it`);
  }
  return value;
}

/**
 * A workflow test environment on the Temporal dev server of the shared test stack (global setup registered the
 * search attributes the execution workflow upserts): no second server. Tests isolate themselves by task queue and
 * workflow id; `teardown()` closes the connections only.
 */
export function createLocalWorkflowEnv(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  return TestWorkflowEnvironment.createFromExistingServer({
    address: requiredEnv('TEMPORAL_ADDRESS'),
    namespace: process.env.TEMPORAL_NAMESPACE || 'default',
  });
}

/** Bundles workflows/ once, so each test's Worker starts without running webpack again. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') });
}

/** Worker state changes are logged at INFO for every test's Worker; keep warnings (e.g. ignored signals) and errors. */
function installQuietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch (error) {
    // Another test file in this Jest realm already installed (or instantiated) the runtime: keep that one.
    if (!(error instanceof Error && error.name === 'IllegalStateError')) throw error;
  }
}
