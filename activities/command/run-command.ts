import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Context } from '@temporalio/activity';
import { backoffDelay, failureKind, isRetryableFailure, type LogLocation } from '../../src/domain';
import type { LogSource, LogStore } from '../../src/ports';
import { GapWatch } from './gap-watch';
import { putBackoff } from './batch-writer';
import { LineSplitter } from './line-splitter';
import { LogShipper, type LinesRejected, type LogShipperOptions } from './log-shipper';

/** Input of `runCommand`. */
export interface RunCommandInput {
  readonly executionId: string;
  readonly location: LogLocation;
  /** argv; run without a shell (use `["sh","-c","..."]` to ask for one). */
  readonly command: readonly string[];
}

/** Result of `runCommand`. */
export interface RunCommandResult {
  readonly exitCode: number;
  /** Epoch ms at which the process exited. */
  readonly completedAt: number;
  /** Lines stored in CloudWatch. */
  readonly lines: number;
  /** Epoch ms of the last successful PutLogEvents (the final flush can end well after the exit). */
  readonly lastWriteAt?: number;
  /** Lines CloudWatch will never hold (refused, not stored, or undeliverable), each logged and counted. */
  readonly rejectedEvents?: number;
  /** Events CloudWatch accepted into the stream (lines and notices): the seal's proof when no write was uncertain. */
  readonly eventCount?: number;
  /** PutLogEvents calls whose outcome is unknown (CloudWatch may hold their events twice, or though reported lost). */
  readonly uncertainWrites?: number;
}

/** Shipper settings a caller may tune (tests); the rest comes from the input. */
export type ShipperTuning = Pick<LogShipperOptions, 'maxQueuedBytes' | 'closeDeadlineMs' | 'flushIntervalMs'>;

// How long a stopped command gets between SIGTERM and SIGKILL.
const KILL_GRACE_MS = 5000;

/** Watching the job's log for a gap while it runs (see `GapWatch`). */
export interface RunGapWatch {
  readonly store: Pick<LogStore, 'latestChunk'>;
  /** How long an accepted event may take to be stored (ms). */
  readonly allowanceMs: number;
  /** How often the log is compared (ms), default 30 s. */
  readonly everyMs?: number;
}

/**
 * Runs a command, shipping its stdout and stderr lines (in the order read) to the execution's log
 * stream. Memory stays bounded: when the shipper holds its maximum, both pipes are paused (the job
 * then blocks on its own writes) until the queue drained. It heartbeats until the last line is
 * written, however long the final flush takes. On cancellation the whole process group gets
 * SIGTERM, then SIGKILL; lines already printed are still shipped before the activity ends.
 */
export async function runCommand(
  source: LogSource,
  input: RunCommandInput,
  tuning: ShipperTuning = {},
  gaps?: RunGapWatch,
): Promise<RunCommandResult> {
  const context = Context.current();
  const [file, ...args] = input.command;
  const stream = input.location.logStreams[0];
  if (file === undefined || stream === undefined) throw new TypeError('runCommand needs a command and a log stream');
  await ensureStream(source, input.location.logGroup, stream);
  const rejectedCounter = context.metricMeter.createCounter(
    'logstream_rejected_log_lines',
    'lines',
    'Lines of managed commands that CloudWatch will never hold',
  );
  const shipper = new LogShipper({
    ...tuning,
    source,
    logGroup: input.location.logGroup,
    logStream: stream,
    onRetry: (error, attempt, delayMs) =>
      context.log.warn('PutLogEvents failed, retrying', { attempt, delayMs, error: String(error) }),
    onRejected: (rejection: LinesRejected) => {
      rejectedCounter.add(rejection.count, { code: rejection.code });
      context.log.error('log lines lost: CloudWatch will not hold them', {
        executionId: input.executionId,
        ...rejection,
      });
    },
  });
  const gapCounter = context.metricMeter.createCounter(
    'logstream_log_gaps_suspected',
    'gaps',
    'Running jobs whose log lacks events CloudWatch accepted long enough ago',
  );
  const watch =
    gaps === undefined
      ? undefined
      : new GapWatch({
          store: gaps.store,
          executionId: input.executionId,
          logStream: stream,
          allowanceMs: gaps.allowanceMs,
          onGap: (gap) => {
            gapCounter.add(1);
            context.log.error('log gap: CloudWatch accepted events the log still lacks; the seal will recover them', {
              ...gap,
            });
          },
        });
  let checking = false;
  const gapCheck = setInterval(() => {
    if (watch === undefined || checking) return;
    checking = true;
    watch
      .check()
      .catch((error: unknown) => context.log.warn('log gap check failed', { error: String(error) }))
      .finally(() => (checking = false));
  }, gaps?.everyMs ?? 30_000);
  const heartbeat = setInterval(() => {
    watch?.note(shipper.acceptedCount);
    context.heartbeat({ lines: shipper.shippedCount, heldBytes: shipper.heldBytes });
  }, 1000);
  try {
    const exit = await new Promise<{ code: number; at: number }>((resolve) => {
      const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const pipes = [child.stdout, child.stderr];
      const splitters = pipes.map((pipe) => {
        const stderr = pipe === child.stderr;
        const splitter = new LineSplitter((line) => {
          if (!shipper.add(line, stderr)) for (const p of pipes) p.pause();
        });
        pipe.on('data', (data: Buffer) => splitter.push(data));
        return splitter;
      });
      shipper.onDrain(() => {
        for (const pipe of pipes) pipe.resume();
      });
      let killTimer: NodeJS.Timeout | undefined;
      const kill = (signal: NodeJS.Signals): void => {
        try {
          // Negative pid: the process group, so a shell's children stop too.
          if (child.pid !== undefined) process.kill(-child.pid, signal);
        } catch {
          // Already gone.
        }
      };
      context.cancelled.catch(() => {
        kill('SIGTERM');
        killTimer = setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS);
      });
      child.on('error', (error) => {
        // The command could not start (missing file, no permission): say so in its own log.
        shipper.add(`logstream: cannot run ${JSON.stringify(file)}: ${error.message}`, true);
        resolve({ code: 127, at: Date.now() });
      });
      // A job that ended (or was stopped) with output still in its paused pipes must not wait for ever on
      // an unavailable CloudWatch: the shipper's deadline runs from the exit.
      child.on('exit', () => shipper.startDeadline());
      // 'close' comes once both pipes ended, i.e. after every line was read (paused pipes resume as the queue drains).
      child.on('close', (code, signal) => {
        const at = Date.now();
        for (const splitter of splitters) splitter.end();
        if (killTimer) clearTimeout(killTimer);
        resolve({ code: code ?? exitStatusForSignal(signal), at });
      });
    });
    await shipper.close();
    context.heartbeat({
      lines: shipper.shippedCount,
      heldBytes: shipper.heldBytes,
      peakHeldBytes: shipper.peakHeldBytes,
    });
    // A cancelled activity must end with the cancellation, or Temporal records it as completed.
    if (context.cancellationSignal.aborted) await context.cancelled;
    const lastWriteAt = shipper.lastWriteAt;
    return {
      exitCode: exit.code,
      completedAt: exit.at,
      lines: shipper.shippedCount,
      ...(lastWriteAt === undefined ? {} : { lastWriteAt }),
      ...(shipper.rejectedCount > 0 ? { rejectedEvents: shipper.rejectedCount } : {}),
      eventCount: shipper.acceptedCount,
      ...(shipper.uncertainCount > 0 ? { uncertainWrites: shipper.uncertainCount } : {}),
    };
  } finally {
    clearInterval(heartbeat);
    clearInterval(gapCheck);
  }
}

/**
 * Creates the log stream, riding out a CloudWatch that is throttled or down (the job has not started:
 * failing here would end it FAILED without running it); stops when the activity is cancelled.
 */
async function ensureStream(source: LogSource, logGroup: string, logStream: string): Promise<void> {
  const context = Context.current();
  for (let attempt = 1; ; attempt++) {
    try {
      await source.createStream(logGroup, logStream);
      return;
    } catch (error) {
      const kind = failureKind(error);
      if (!isRetryableFailure(kind)) throw error;
      const delayMs = backoffDelay(attempt, putBackoff(kind, Math.random));
      context.log.warn('CreateLogStream failed, retrying', { attempt, delayMs, error: String(error) });
      context.heartbeat({ lines: 0 });
      await context.sleep(delayMs);
    }
  }
}

/** The shell's convention for a process killed by a signal: 128 + the signal's number. */
export function exitStatusForSignal(signal: NodeJS.Signals | null): number {
  const number = signal ? constants.signals[signal] : undefined;
  // Node reports either an exit code or a signal; neither (never seen) is a plain failure.
  return number === undefined ? 1 : 128 + number;
}
