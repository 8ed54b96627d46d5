import { SimplePlugin } from '@temporalio/plugin';
import {
  NativeConnection,
  type Worker,
  type WorkerOptions,
  type WorkflowBundleOption,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { temporalConnectionOptions } from '../adapters/temporal/connection-options';
import { loadConfig, type Config } from '../config';
import { startLogstreamWorkers, type RunningLogstreamWorkers } from '../compose/logstream-workers';
import { provisionAws } from '../compose/wiring';

/** Options of `LogstreamPlugin`. */
export interface LogstreamPluginOptions {
  /** logstream's settings (AWS, table, log group, task queue, timings); default: read from the environment. */
  readonly config?: Config;
  /**
   * A prebuilt bundle of logstream's workflows (`bundleWorkflowCode`); default: the one `npm run build` writes when it
   * is newer than the sources, else bundled when the worker starts.
   */
  readonly workflowBundle?: WorkflowBundleWithSourceMap | WorkflowBundleOption;
  /** Creates the DynamoDB table and the log group when missing before the worker runs (default true). */
  readonly provision?: boolean;
}

/**
 * Adds logstream to a Temporal worker in one line: `Worker.create({ ..., plugins: [new LogstreamPlugin()] })`.
 *
 * A worker has one set of workflows (plugins replace `workflowsPath`, they do not merge it), so the user's workflows
 * stay exactly as configured and logstream's run beside them: when the user's worker runs, the plugin runs a second
 * worker on logstream's own task queue (`LOGSTREAM_TASK_QUEUE`, default `logstream`), on the same connection and
 * namespace, hosting the execution workflow and its activities; both stop together. The user's workflows reach it
 * through the workflow-side helper (`startLoggedExecution`), and clients through `LogstreamWorkflowClient`. Added to a
 * `Client`, it changes nothing (clients need no configuration to start logstream's workflows).
 */
export class LogstreamPlugin extends SimplePlugin {
  private readonly config: Config;

  constructor(private readonly pluginOptions: LogstreamPluginOptions = {}) {
    super({ name: 'logstream' });
    this.config = pluginOptions.config ?? loadConfig();
  }

  /** logstream's task queue, where its worker polls and the helper starts executions. */
  get taskQueue(): string {
    return this.config.taskQueue;
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    if (options.taskQueue === this.config.taskQueue) {
      throw new LogstreamPluginError(
        `the worker's task queue '${options.taskQueue}' is logstream's own: give your worker another task queue ` +
          `(logstream's worker runs beside it on '${this.config.taskQueue}'), or set LOGSTREAM_TASK_QUEUE`,
      );
    }
    return super.configureWorker(options);
  }

  override async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    if (this.pluginOptions.provision ?? true) await provisionAws(this.config);
    const connection =
      worker.connection ??
      (await NativeConnection.connect(temporalConnectionOptions(this.config.temporal, this.config.temporalAddress)));
    const ownConnection = worker.connection ? undefined : connection;
    let companion: RunningLogstreamWorkers;
    try {
      companion = await startLogstreamWorkers({
        config: this.config,
        connection,
        namespace: worker.options.namespace,
        workflows: this.pluginOptions.workflowBundle
          ? { workflowBundle: this.pluginOptions.workflowBundle }
          : undefined,
      });
    } catch (error) {
      await ownConnection?.close();
      throw error;
    }
    let companionFailure: { error: unknown } | undefined;
    companion.running.catch((error: unknown) => {
      // logstream's worker failing ends the user's worker too: a half-running pair would leave executions unserved.
      companionFailure = { error };
      shutdownQuietly(worker);
    });
    try {
      await super.runWorker(worker, next);
    } finally {
      await companion.stop().catch(() => undefined);
      await ownConnection?.close();
    }
    if (companionFailure) throw companionFailure.error;
  }
}

/** The plugin cannot be used as configured. */
export class LogstreamPluginError extends Error {
  readonly code = 'LOGSTREAM_PLUGIN_CONFIG';
  constructor(message: string) {
    super(`LogstreamPlugin: ${message}`);
    this.name = 'LogstreamPluginError';
  }
}

function shutdownQuietly(worker: Worker): void {
  // Only a RUNNING worker can be shut down; one already stopping or stopped needs nothing.
  if (worker.getState() === 'RUNNING') worker.shutdown();
}
