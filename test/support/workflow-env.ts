import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { COMPLETED_AT_KEY, EXECUTION_STATUS_KEY } from '../../workflows/messages';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: run the workflow tests through jest, whose global setup exports it`);
  }
  return value;
}

/**
 * Starts a Temporal dev server (the installed `temporal` CLI, never a download) with the search
 * attributes the execution workflow upserts registered.
 */
export function createLocalWorkflowEnv(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: requiredEnv('LOGSTREAM_TEST_TEMPORAL_BIN') },
      searchAttributes: [EXECUTION_STATUS_KEY, COMPLETED_AT_KEY],
      log: { format: 'pretty', level: 'error' },
    },
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
