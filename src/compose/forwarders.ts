import { Client } from '@temporalio/client';
import { bundleWorkflowCode, Runtime, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createForwarderActivities, ensureForwarders } from '../../activities/push/forwarder-activities';
import { TemporalForwarderDirectory } from '../adapters/temporal/temporal-forwarder-directory';
import type { Config } from '../config';
import { Backoff } from '../domain';
import type { ChunkBatchReader, LogStore, PushRegistry, ShardSource } from '../ports';
import { forwarderTaskQueue } from '../../workflows/forwarder-workflow';

interface Logger {
  info(meta: Record<string, unknown>, message: string): void;
  warn(meta: Record<string, unknown>, message: string): void;
}

/** True when the configuration asks this process to run the shard forwarders. */
export function runsForwarders(config: Pick<Config, 'forwarder' | 'ingest'>): boolean {
  return config.forwarder && config.ingest !== 'poll';
}

/**
 * Where the workers of this process load the workflows from: `source` as is, unless the forwarders' worker runs too
 * and `source` is the sources; then they are bundled once here, not once per worker (webpack takes seconds).
 */
export async function workflowsForWorkers(
  config: Pick<Config, 'forwarder' | 'ingest'>,
  source: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>,
): Promise<Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>> {
  if (source.workflowsPath === undefined || !runsForwarders(config)) return source;
  // The bundler reports through the runtime's logger, like a worker bundling for itself: where the process logs go.
  const { code } = await bundleWorkflowCode({ workflowsPath: source.workflowsPath, logger: Runtime.instance().logger });
  return { workflowBundle: { code } };
}

/** Options of `startForwarding`. */
export interface ForwardingOptions {
  readonly config: Pick<Config, 'forwarder' | 'ingest' | 'kinesisStream' | 'pushHoldMs'>;
  readonly connection: NativeConnection;
  readonly namespace: string;
  /** Where the workflows come from (the same bundle as the execution worker's). */
  readonly workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  readonly aws: {
    readonly shards: ShardSource;
    readonly registry: PushRegistry;
    readonly store: LogStore & ChunkBatchReader;
  };
  readonly logger: Logger;
}

/** The forwarders of a running worker; `stop()` ends this process's part (the workflows go on elsewhere). */
export interface RunningForwarding {
  stop(): Promise<void>;
}

/**
 * Runs the shard forwarders in this process, when the configuration asks for them (`LOGSTREAM_FORWARDER` on, ingest
 * not `poll`): a worker of their own on the stream's forwarder task queue, so they never wait behind the execution
 * activities' slots and any worker of any logstream task queue serves them; then makes sure every shard of the
 * Kinesis stream has its forwarder workflow, in the background (a worker must start even when Kinesis or Temporal does
 * not answer yet, or the stream is not provisioned yet: a failure is logged and tried again with a growing delay),
 * and again every five minutes. Every worker does this; the workflows' ids make it one forwarder per shard however
 * many do.
 */
export async function startForwarding(options: ForwardingOptions): Promise<RunningForwarding> {
  const { config, connection, namespace, aws, logger } = options;
  if (!runsForwarders(config)) return { stop: async () => undefined };
  const streamName = config.kinesisStream;
  const taskQueue = forwarderTaskQueue(streamName);
  const forwarders = new TemporalForwarderDirectory({ client: new Client({ connection, namespace }), taskQueue });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...options.workflows,
    // A lost worker's consumer is noticed by its heartbeat timeout; cancellation (a shutdown) rides on heartbeats.
    maxHeartbeatThrottleInterval: '1s',
    activities: createForwarderActivities({ ...aws, forwarders, consumer: { hold: { holdMs: config.pushHoldMs } } }),
  });
  const running = worker.run();
  const aborting = new AbortController();
  const ensuring = ensureInBackground(aws.shards, forwarders, streamName, logger, aborting.signal);
  let stopping: Promise<void> | undefined;
  return {
    stop: () => {
      stopping ??= (async () => {
        aborting.abort();
        await ensuring;
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      })();
      return stopping;
    },
  };
}

async function ensureInBackground(
  shards: ShardSource,
  forwarders: TemporalForwarderDirectory,
  streamName: string,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  // Until the forwarders run once, a failure is tried again after 1 s, 2 s, 4 s... up to the recheck interval.
  const retry = new Backoff({ baseMs: 1000, maxMs: RECHECK_MS, jitter: 'none' });
  let running: string[] | undefined;
  while (!signal.aborted) {
    let delayMs: number;
    try {
      const listed = await ensureForwarders({ shards, forwarders }, streamName);
      if (running === undefined) logger.info({ streamName, shards: listed }, 'shard forwarders running');
      running = listed;
      // Looked at again now and then: a forwarder an operator terminated is started again (from the oldest record
      // kept, which stores nothing twice), and a stream provisioned after this worker started gets its forwarders.
      delayMs = RECHECK_MS;
    } catch (error) {
      delayMs = running === undefined ? retry.next() : RECHECK_MS;
      logger.warn(
        { streamName, retryInMs: delayMs, error: error instanceof Error ? error.message : String(error) },
        'could not start the shard forwarders; trying again',
      );
    }
    await pause(delayMs, signal);
  }
}

const RECHECK_MS = 5 * 60_000;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
