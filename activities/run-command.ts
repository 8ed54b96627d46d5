import { spawn } from 'node:child_process';
import { Context } from '@temporalio/activity';
import type { LogLocation } from '../src/domain';
import type { LogSource } from '../src/ports';
import { LineSplitter } from './line-splitter';
import { LogShipper } from './log-shipper';

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
  readonly lines: number;
}

// How long a stopped command gets between SIGTERM and SIGKILL.
const KILL_GRACE_MS = 5000;

/**
 * Runs a command, shipping its stdout and stderr lines (in the order read) to the execution's log
 * stream. Both pipes are drained continuously so the child never blocks on a full pipe. On
 * cancellation the whole process group gets SIGTERM, then SIGKILL; lines already printed are still
 * shipped before the activity ends.
 */
export async function runCommand(source: LogSource, input: RunCommandInput): Promise<RunCommandResult> {
  const context = Context.current();
  const [file, ...args] = input.command;
  const stream = input.location.logStreams[0];
  if (file === undefined || stream === undefined) throw new TypeError('runCommand needs a command and a log stream');
  await source.createStream(input.location.logGroup, stream);
  const shipper = new LogShipper({
    source,
    logGroup: input.location.logGroup,
    logStream: stream,
    onRetry: (error, attempt) => context.log.warn('PutLogEvents failed, retrying', { attempt, error: String(error) }),
  });

  const exit = await new Promise<{ code: number; at: number }>((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const splitters = [child.stdout, child.stderr].map((pipe) => {
      const splitter = new LineSplitter((line) => shipper.add(line));
      pipe.on('data', (data: Buffer) => splitter.push(data));
      return splitter;
    });
    const heartbeat = setInterval(() => context.heartbeat({ lines: shipper.shippedCount }), 1000);
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
      shipper.add(`logstream: cannot run ${JSON.stringify(file)}: ${error.message}`);
      clearInterval(heartbeat);
      resolve({ code: 127, at: Date.now() });
    });
    child.on('close', (code, signal) => {
      const at = Date.now();
      for (const splitter of splitters) splitter.end();
      clearInterval(heartbeat);
      if (killTimer) clearTimeout(killTimer);
      resolve({ code: code ?? 128 + signalNumber(signal), at });
    });
  });
  await shipper.close();
  context.heartbeat({ lines: shipper.shippedCount });
  // A cancelled activity must end with the cancellation, or Temporal records it as completed.
  if (context.cancellationSignal.aborted) await context.cancelled;
  return { exitCode: exit.code, completedAt: exit.at, lines: shipper.shippedCount };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return (signal && numbers[signal]) ?? 1;
}
