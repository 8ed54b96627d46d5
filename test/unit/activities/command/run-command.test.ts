import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import {
  exitStatusForSignal,
  runCommand,
  type RunCommandResult,
  type ShipperTuning,
} from '../../../../activities/command/run-command';
import { decodeMessage, type LogEvent, type PutOutcome } from '../../../../src/domain';
import { DependencyError, type LogSource } from '../../../../src/ports';
import { InMemoryLogSource } from '../../../support/fakes';

const GROUP = '/logstream/executions';
const STREAM = 'executions/run-1';
const LOCATION = { logGroup: GROUP, logStreams: [STREAM] };

interface Heartbeat {
  readonly lines?: number;
  readonly heldBytes?: number;
  readonly peakHeldBytes?: number;
}

function run(
  source: LogSource,
  command: string[],
  tuning: ShipperTuning = {},
  onHeartbeat: (details: Heartbeat) => void = () => undefined,
): Promise<RunCommandResult> {
  const env = new MockActivityEnvironment();
  env.on('heartbeat', (details: Heartbeat) => onHeartbeat(details ?? {}));
  return env.run(runCommand, source, { executionId: 'run-1', location: LOCATION, command }, tuning);
}

/** A CloudWatch stand-in that keeps only counts, and takes no write until `open()` (a slow or stalled source). */
class GatedSink implements LogSource {
  events = 0;
  bytes = 0;
  private release: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  open(): void {
    this.release();
  }
  async putEvents(_group: string, _stream: string, events: readonly LogEvent[]): Promise<PutOutcome> {
    await this.gate;
    this.events += events.length;
    for (const event of events) this.bytes += Buffer.byteLength(event.message);
    return { rejected: [] };
  }
  async createStream(): Promise<void> {}
  async readAfter(): Promise<never> {
    throw new Error('not a reader');
  }
  async ping(): Promise<void> {}
}

/** A CloudWatch that is down: every write fails, retryably. */
class DownSink extends GatedSink {
  override async putEvents(): Promise<PutOutcome> {
    throw new DependencyError('cloudwatch', 'PutLogEvents', new Error('Service Unavailable'), true, {
      awsCode: 'ServiceUnavailableException',
    });
  }
}

describe('runCommand', () => {
  test('ships blank lines and lines of spaces, and reports the last successful write', async () => {
    const source = new InMemoryLogSource();
    const startedAt = Date.now();
    const result = await run(source, ['sh', '-c', "printf 'a\\n\\n   \\n\\n\\tb\\n'; printf '\\n' >&2"]);
    expect(result.exitCode).toBe(0);
    expect(result.lines).toBe(6);
    // What CloudWatch accepted, every call's outcome known: the seal's proof without a read.
    expect(result.eventCount).toBe(6);
    expect(result.uncertainWrites).toBeUndefined();
    expect(result.rejectedEvents).toBeUndefined();
    expect(result.lastWriteAt).toBeGreaterThanOrEqual(startedAt);
    const lines = source.events(GROUP, STREAM).map((e) => decodeMessage(e.message));
    expect(lines.filter((line) => line !== '')).toEqual(['a', '   ', '\tb']);
    expect(lines).toHaveLength(6);
  });

  test('rides out a CloudWatch that refuses to create the stream for a while', async () => {
    const source = new InMemoryLogSource();
    source.failNext(3, { operation: 'CreateLogStream' });
    const result = await run(source, ['sh', '-c', 'echo started']);
    expect(result.exitCode).toBe(0);
    expect(source.events(GROUP, STREAM).map((e) => e.message)).toEqual(['started']);
    expect(source.calls.CreateLogStream).toBe(4);
  });

  test('keeps heartbeating through a final flush that takes long', async () => {
    const sink = new GatedSink();
    const dir = mkdtempSync(path.join(tmpdir(), 'run-command-'));
    const pidFile = path.join(dir, 'pid');
    let afterExit = 0;
    try {
      // The only write waits for a heartbeat sent once the job is gone: only a flush that heartbeats ends.
      const result = await run(sink, ['sh', '-c', `echo $$ > '${pidFile}'; echo done`], {}, () => {
        if (!processGone(pidFile)) return;
        afterExit++;
        sink.open();
      });
      expect(result.exitCode).toBe(0);
      expect(sink.events).toBe(1);
      expect(afterExit).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('stopped while CloudWatch is down and its pipes are paused: ends after the deadline, the lost lines logged', async () => {
    const lost: { count?: unknown; code?: unknown }[] = [];
    const logger = new DefaultLogger('WARN', (entry) => {
      if (entry.message.startsWith('log lines lost')) lost.push(entry.meta ?? {});
    });
    const env = new MockActivityEnvironment({}, { logger });
    const bound = 256 * 1024;
    env.on('heartbeat', (details: Heartbeat) => {
      // The job is blocked on its paused pipes (the queue is full and cannot drain): stop it.
      if ((details?.heldBytes ?? 0) >= bound) env.cancel();
    });
    const input = { executionId: 'run-1', location: LOCATION, command: ['sh', '-c', 'yes line-of-output'] };
    const outcome = await env
      .run(runCommand, new DownSink(), input, { maxQueuedBytes: bound, closeDeadlineMs: 100 })
      .then(
        () => 'completed',
        (error: Error) => error.name,
      );
    // A stopped command's activity ends with the cancellation; every line was reported, none waits for ever.
    expect(outcome).toBe('CancelledFailure');
    expect(lost.length).toBeGreaterThan(0);
    for (const report of lost)
      expect(report).toMatchObject({ code: 'ServiceUnavailableException', count: expect.any(Number) });
  });

  test.each([
    ['SIGHUP', 129],
    ['SIGINT', 130],
    ['SIGKILL', 137],
    ['SIGUSR1', 138],
    ['SIGUSR2', 140],
    ['SIGTERM', 143],
  ] as const)('a command killed by %s exits %i (128 + the signal number)', async (signal, status) => {
    const source = new InMemoryLogSource();
    const result = await run(source, ['sh', '-c', `echo before; kill -${signal.slice(3)} $$; echo after`]);
    expect(result.exitCode).toBe(status);
    expect(source.events(GROUP, STREAM).map((e) => e.message)).toEqual(['before']);
  });

  test('every signal maps to 128 + its number', () => {
    for (const [name, number] of Object.entries(constants.signals)) {
      expect(exitStatusForSignal(name as NodeJS.Signals)).toBe(128 + number);
    }
    expect(exitStatusForSignal(null)).toBe(1);
  });

  test('300 MB written as fast as possible stay within the queue bound: the pipes pause', async () => {
    const sink = new GatedSink();
    const bound = 4 * 1024 * 1024;
    let peak = 0;
    const result = await run(
      sink,
      ['sh', '-c', "head -c 300000000 /dev/zero | tr '\\0' x | fold -w 1000"],
      { maxQueuedBytes: bound },
      (details) => {
        peak = Math.max(peak, details.peakHeldBytes ?? 0, details.heldBytes ?? 0);
        // CloudWatch takes nothing until the queue is full: the job must have been held back by then.
        if ((details.heldBytes ?? 0) >= bound) sink.open();
      },
    );
    expect(result.exitCode).toBe(0);
    expect(result.lines).toBe(300_000);
    expect(sink.events).toBe(300_000);
    expect(sink.bytes).toBe(300_000_000);
    expect(peak).toBeGreaterThanOrEqual(bound);
    // Past the bound, at most what one pipe read (64 KiB) already held: 64 lines of 1,026 counted bytes.
    expect(peak).toBeLessThan(bound + 128 * 1024);
  });
});

/** True once the process whose pid the job wrote to `pidFile` has exited and been reaped. */
function processGone(pidFile: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return false;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as { code?: unknown }).code === 'ESRCH';
  }
}
