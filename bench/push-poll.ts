import { prefixed, withRealisticDelivery } from './phase-tools';
import { runPhase, type IngestModeName, type PushPollStack } from './push-poll-phase';
import { startBenchServices } from './services';

export type { PushPollStack } from './push-poll-phase';

/** How push and poll are measured side by side (defaults: issue 8's figures). */
export interface PushPollOptions {
  /** Concurrent external executions per phase. */
  readonly counts: readonly number[];
  /** Seconds of live ingest per phase. */
  readonly seconds: number;
  /**
   * At this N (the largest, by default) each execution gets `socketsPerExecution` tails, so one API process holds
   * N x that many sockets (issue 8: 1,000 on the 200 executions); latency is given for each execution's first
   * tail (as at the other N) and over every socket.
   */
  readonly manySocketsAt: number;
  readonly socketsPerExecution: number;
  readonly modes: readonly IngestModeName[];
}

export const DEFAULT_PUSH_POLL: PushPollOptions = {
  counts: [10, 50, 200],
  seconds: 30,
  manySocketsAt: 200,
  socketsPerExecution: 5,
  modes: ['push', 'poll'],
};

/**
 * Push vs poll ingest under the strict AWS layer's default quotas: for each mode, one worker and one API
 * process; for each N, N external executions fed by the load generator (10 lines/s of 120 bytes each),
 * one WebSocket tail each (several at `manySocketsAt`), then completed and read back. Figures are named
 * `<mode>_n<N>_<figure>`.
 */
export async function benchPushPoll(
  stack: PushPollStack,
  options: PushPollOptions = DEFAULT_PUSH_POLL,
): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  for (const mode of options.modes) {
    const services = await startBenchServices({ ...stack.env, ...modeEnv(mode) });
    try {
      // A phase that fails is reported as failed, and the next one still runs.
      const phase = async (prefix: string, n: number, sockets: number): Promise<void> => {
        try {
          Object.assign(results, prefixed(prefix, await runPhase(stack, services, mode, n, sockets, options.seconds)));
        } catch (error) {
          process.stderr.write(
            `push-poll ${prefix} failed: ${error instanceof Error ? error.message : String(error)}\n`,
          );
          results[`${prefix}_failed`] = 1;
        }
      };
      const phases = async (): Promise<void> => {
        for (const n of options.counts) {
          await phase(`${mode}_n${n}`, n, n === options.manySocketsAt ? options.socketsPerExecution : 1);
        }
      };
      // Push is measured under subscription delivery as AWS documents it (late, repeated, re-batched, held to the
      // shards' write limits), not the emulator's (at once, once, in order). Poll reads no Kinesis.
      if (mode === 'push') await withRealisticDelivery(stack.strict, stack.cloudwatch, stack.logGroup, phases);
      else await phases();
    } finally {
      await services.stop();
    }
  }
  return { ...results, ...verdict(results, options) };
}

/**
 * The issues' must-show at the largest N: push reads CloudWatch at most once a second in total, every log sealed
 * exact, p99 within 2 s end to end and within 1 s from Kinesis to the socket (1 = met); and push's read rate as a
 * fraction of poll's.
 */
function verdict(results: Record<string, number>, options: PushPollOptions): Record<string, number> {
  const n = Math.max(...options.counts);
  const figure = (mode: IngestModeName, name: string): number => results[`${mode}_n${n}_${name}`] ?? Number.NaN;
  const met =
    figure('push', 'ingest_as_mode') === n &&
    figure('push', 'read_calls_per_s') <= 1 &&
    figure('push', 'sealed_exact') === n &&
    figure('push', 'p99_ms') <= 2000 &&
    figure('push', 'own_p99_ms') <= 1000;
  return {
    [`push_n${n}_target_met`]: met ? 1 : 0,
    [`push_vs_poll_n${n}_read_ratio`]: figure('push', 'read_calls_per_s') / figure('poll', 'read_calls_per_s'),
  };
}

// Each mode on a task queue of its own: the push worker's forwarders are never picked up by the poll worker.
function modeEnv(mode: IngestModeName): Record<string, string> {
  return {
    LOGSTREAM_TASK_QUEUE: `bench-${mode}`,
    LOGSTREAM_INGEST: mode,
    LOGSTREAM_FORWARDER: mode === 'push' ? '1' : '0',
    // 200 polled executions are 200 long-running ingest activities on one worker.
    LOGSTREAM_WORKER_MAX_ACTIVITIES: '1000',
    // Throttled polls are expected in poll mode at N = 200: the worker logs errors only.
    LOG_LEVEL: 'error',
    // Every tail of the bench comes from one address.
    LOGSTREAM_WS_MAX_SOCKETS_PER_ADDRESS: '5000',
  };
}
