import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  makeTelemetryFilterString,
  type LogEntry,
  type LogLevel,
} from '@temporalio/worker';
import { temporalConnectionOptions } from '../adapters/temporal/connection-options';
import { workflowSource } from '../adapters/temporal/workflow-bundle';
import type { Logger as ProcessLogger } from 'pino';
import type { Config } from '../config';
import type { CallObserver } from '../ports';
import { startForwarding, workflowsForWorkers, type RunningForwarding } from './forwarders';
import { executionActivities } from './worker-activities';
import { createAwsAdapters, createLogger, runStandalone } from './wiring';

/** A running worker: `stop()` shuts it down gracefully and closes its connections. */
export interface RunningWorker {
  readonly worker: Worker;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * Starts a worker for the `logstream` task queue hosting the execution workflow and its activities and, unless ingest
 * is `poll` or `LOGSTREAM_FORWARDER=0`, the shard forwarders beside it (see `startForwarding`).
 */
export async function startWorker(config: Config, observe?: CallObserver): Promise<RunningWorker> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    try {
      // The SDK's logs (the workflow bundler's webpack report, worker state changes, activity logs) and the core's
      // warnings go where the process logs go: stderr as JSON lines, or the log file under `npm start`.
      const logger = createLogger('logstream-worker', config);
      Runtime.install({
        logger: new DefaultLogger(config.logLevel.toUpperCase() as LogLevel, (entry) => forward(logger, entry)),
        telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
      });
    } catch {
      // Already installed by an earlier worker of this process.
    }
  }
  const aws = createAwsAdapters(config, observe);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal, config.temporalAddress));
  // The bundle prebuilt by `npm run build` when it is current, else the sources (bundled at start).
  const workflows = await workflowsForWorkers(config, workflowSource());
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    ...workflows,
    // Heartbeats carry cancellation: a stop must reach a running command within about a second,
    // not 0.8 x the heartbeat timeout the SDK would otherwise wait.
    maxHeartbeatThrottleInterval: '1s',
    // Live ingest of every polled execution holds a slot for as long as it runs.
    maxConcurrentActivityTaskExecutions: config.workerMaxActivities,
    activities: executionActivities(config, aws),
  });
  const running = worker.run();
  let forwarding: RunningForwarding | undefined;
  try {
    forwarding = await startForwarding({
      config,
      connection,
      namespace: config.temporalNamespace,
      workflows,
      aws,
      logger: createLogger('logstream-worker', config),
    });
  } catch (error) {
    worker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
    aws.destroy();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    worker,
    stop: () => {
      stopping ??= (async () => {
        await forwarding?.stop();
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await connection.close();
        aws.destroy();
      })();
      return stopping;
    },
  };
}

function forward(logger: ProcessLogger, entry: LogEntry): void {
  const method = PINO_METHOD[entry.level];
  // pino serialises only `err` as an error: other errors (the SDK's `error`, e.g. in "Workflow failed" when a FAILED
  // job fails its workflow) would be logged as {}.
  const meta: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry.meta ?? {})) {
    meta[key] = isErrorLike(value) ? { type: value.name, message: value.message } : value;
  }
  logger[method](meta, entry.message);
}

// Errors thrown in workflow code come from the sandbox's realm: `instanceof Error` is false for them.
function isErrorLike(value: unknown): value is { name: string; message: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { name?: unknown }).name === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

const PINO_METHOD: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

if (require.main === module) {
  runStandalone('logstream worker', async (config) => {
    const worker = await startWorker(config);
    return { stop: () => worker.stop(), banner: `logstream worker polling task queue ${config.taskQueue}` };
  });
}
