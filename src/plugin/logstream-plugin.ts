import { SimplePlugin } from '@temporalio/plugin';
import {
  NativeConnection,
  Worker,
  type WorkerOptions,
  type WorkflowBundleOption,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { temporalConnectionOptions } from '../adapters/temporal/connection-options';
import { workflowSource } from '../adapters/temporal/workflow-bundle';
import { loadConfig, type Config } from '../config';
import { startForwarding, workflowsForWorkers, type RunningForwarding } from '../main/forwarders';
import { executionActivities } from '../main/worker-activities';
import { createAwsAdapters, createLogger, provisionAws } from '../main/wiring';

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
    const workflows = this.pluginOptions.workflowBundle
      ? { workflowBundle: this.pluginOptions.workflowBundle }
      : await workflowsForWorkers(this.config, workflowSource());
    const connection =
      worker.connection ??
      (await NativeConnection.connect(temporalConnectionOptions(this.config.temporal, this.config.temporalAddress)));
    const ownConnection = worker.connection ? undefined : connection;
    const aws = createAwsAdapters(this.config);
    let companion: Worker;
    try {
      companion = await Worker.create({
        connection,
        namespace: worker.options.namespace,
        taskQueue: this.config.taskQueue,
        ...workflows,
        // Heartbeats carry cancellation: a stop must reach a running command within about a second.
        maxHeartbeatThrottleInterval: '1s',
        // Live ingest of every polled execution holds a slot for as long as it runs.
        maxConcurrentActivityTaskExecutions: this.config.workerMaxActivities,
        activities: executionActivities(this.config, aws),
      });
    } catch (error) {
      aws.destroy();
      await ownConnection?.close();
      throw error;
    }
    let companionFailure: { error: unknown } | undefined;
    const companionRun = companion.run().catch((error: unknown) => {
      // logstream's worker failing ends the user's worker too: a half-running pair would leave executions unserved.
      companionFailure = { error };
      shutdownQuietly(worker);
    });
    let forwarding: RunningForwarding;
    try {
      forwarding = await startForwarding({
        config: this.config,
        connection,
        namespace: worker.options.namespace,
        workflows,
        aws,
        logger: createLogger('logstream-worker', this.config),
      });
    } catch (error) {
      shutdownQuietly(companion);
      await companionRun;
      aws.destroy();
      await ownConnection?.close();
      throw error;
    }
    try {
      await super.runWorker(worker, next);
    } finally {
      await forwarding.stop();
      shutdownQuietly(companion);
      await companionRun;
      aws.destroy();
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
