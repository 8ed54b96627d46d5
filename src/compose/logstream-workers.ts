import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { workflowSource } from '../adapters/temporal/workflow-bundle';
import type { Config } from '../config';
import type { CallObserver } from '../ports';
import { createAwsAdapters, createLogger } from './wiring';
import { executionActivities } from './execution-activities';
import { startForwarding, workflowsForWorkers } from './forwarders';

/** Options of `startLogstreamWorkers`. */
export interface LogstreamWorkersOptions {
  readonly config: Config;
  /** The connection the workers poll on (the caller owns it and closes it after `stop()`). */
  readonly connection: NativeConnection;
  readonly namespace: string;
  /**
   * Where the workflows come from; default: the bundle `npm run build` wrote when it is current, else the sources
   * (bundled at start, once for both workers).
   */
  readonly workflows?: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  /** Sees every AWS call the adapters make (benchmarks count them). */
  readonly observe?: CallObserver;
}

/** logstream's workers of one process, running: the execution worker and, when configured, the shard forwarders. */
export interface RunningLogstreamWorkers {
  /** The worker on logstream's task queue hosting the execution workflow and its activities. */
  readonly worker: Worker;
  /** Settles when the execution worker stops; rejects with its failure. */
  readonly running: Promise<void>;
  /** Stops the forwarders and the execution worker, then releases the AWS clients (safe to call twice). */
  stop(): Promise<void>;
}

/**
 * Builds and runs logstream's workers on a connection: the AWS adapters, the execution activities, the worker options
 * and the shard forwarders beside them (see `startForwarding`). The standalone worker and `LogstreamPlugin` both start
 * logstream this way; only the connection and the process around it are theirs.
 */
export async function startLogstreamWorkers(options: LogstreamWorkersOptions): Promise<RunningLogstreamWorkers> {
  const { config, connection, namespace } = options;
  const aws = createAwsAdapters(config, options.observe);
  let worker: Worker;
  let workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  try {
    workflows = options.workflows ?? (await workflowsForWorkers(config, workflowSource()));
    worker = await Worker.create({
      connection,
      namespace,
      taskQueue: config.taskQueue,
      ...workflows,
      // Heartbeats carry cancellation: a stop must reach a running command within about a second,
      // not 0.8 x the heartbeat timeout the SDK would otherwise wait.
      maxHeartbeatThrottleInterval: '1s',
      // Live ingest of every polled execution holds a slot for as long as it runs.
      maxConcurrentActivityTaskExecutions: config.workerMaxActivities,
      activities: executionActivities(config, aws),
    });
  } catch (error) {
    aws.destroy();
    throw error;
  }
  const running = worker.run();
  // Marked handled here: the caller may look at `running` only once it stops the workers.
  running.catch(() => undefined);
  const shutdown = (): void => {
    // Only a RUNNING worker can be shut down; one already stopping or stopped needs nothing.
    if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  let forwarding;
  try {
    forwarding = await startForwarding({
      config,
      connection,
      namespace,
      workflows,
      aws,
      logger: createLogger('logstream-worker', config),
    });
  } catch (error) {
    shutdown();
    await running.catch(() => undefined);
    aws.destroy();
    throw error;
  }
  const forwarders = forwarding;
  let stopping: Promise<void> | undefined;
  return {
    worker,
    running,
    stop: () => {
      stopping ??= (async () => {
        try {
          await forwarders.stop();
          shutdown();
          await running;
        } finally {
          aws.destroy();
        }
      })();
      return stopping;
    },
  };
}
