import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  makeTelemetryFilterString,
  type LogEntry,
  type LogLevel,
} from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { Logger as ProcessLogger } from 'pino';
import type { Config } from '../config';
import type { CallObserver } from '../ports';
import { createAwsAdapters, createLogger, runStandalone } from './wiring';

/** A running worker: `stop()` shuts it down gracefully and closes its connections. */
export interface RunningWorker {
  readonly worker: Worker;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** Starts a worker for the `logstream` task queue hosting the execution workflow and its activities. */
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
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    // Heartbeats carry cancellation: a stop must reach a running command within about a second,
    // not 0.8 x the heartbeat timeout the SDK would otherwise wait.
    maxHeartbeatThrottleInterval: '1s',
    activities: createActivities({
      store: aws.store,
      source: aws.source,
      pacing: { minMs: config.pollMinMs, maxMs: config.pollMaxMs },
      ttlSeconds: config.ttlDays * 86_400,
    }),
  });
  const running = worker.run();
  let stopping: Promise<void> | undefined;
  return {
    worker,
    stop: () => {
      stopping ??= (async () => {
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
  logger[method]({ ...entry.meta }, entry.message);
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
