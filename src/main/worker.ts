import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  makeTelemetryFilterString,
  type Worker,
  type LogEntry,
  type LogLevel,
} from '@temporalio/worker';
import { temporalConnectionOptions } from '../adapters/temporal/connection-options';
import type { Logger as ProcessLogger } from 'pino';
import type { Config } from '../config';
import type { CallObserver } from '../ports';
import { startLogstreamWorkers, type RunningLogstreamWorkers } from '../compose/logstream-workers';
import { createLogger, runStandalone } from '../compose/wiring';

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
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal, config.temporalAddress));
  let workers: RunningLogstreamWorkers;
  try {
    workers = await startLogstreamWorkers({ config, connection, namespace: config.temporalNamespace, observe });
  } catch (error) {
    await connection.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    worker: workers.worker,
    stop: () => {
      stopping ??= (async () => {
        await workers.stop();
        await connection.close();
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
