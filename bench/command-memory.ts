import { spawnSync } from 'node:child_process';
import { MockActivityEnvironment } from '@temporalio/testing';
import { runCommand, type RunCommandResult } from '../activities/command/run-command';
import type { LogEvent, PutOutcome } from '../src/domain';
import type { LogSource } from '../src/ports';

// The measuring process runs with a small V8 heap: a runner that held a job's output in memory would
// crash it long before 1 GB, so finishing is itself the proof of a fixed ceiling; the peak RSS is the figure.
const HEAP_LIMIT_MB = 64;

/** A CloudWatch stand-in slower than the job (20 ms a call) that keeps only counts. */
class SlowSink implements LogSource {
  events = 0;
  async putEvents(_group: string, _stream: string, events: readonly LogEvent[]): Promise<PutOutcome> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.events += events.length;
    return { rejected: [] };
  }
  async createStream(): Promise<void> {}
  async readAfter(): Promise<never> {
    throw new Error('a write-only sink');
  }
  async ping(): Promise<void> {}
}

/** Runs a command writing `mb` MB of 1,000-byte lines as fast as it can; reports the process's peak RSS. */
async function measure(mb: number): Promise<Record<string, number>> {
  const sink = new SlowSink();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = Date.now();
  const result: RunCommandResult = await new MockActivityEnvironment().run(runCommand, sink, {
    executionId: 'bench-memory',
    location: { logGroup: 'bench', logStreams: ['bench'] },
    command: ['sh', '-c', `head -c ${mb * 1_000_000} /dev/zero | tr '\\0' x | fold -w 1000`],
  });
  clearInterval(sampler);
  if (result.lines !== mb * 1000 || sink.events !== result.lines) {
    throw new Error(`expected ${mb * 1000} lines, shipped ${result.lines}, stored ${sink.events}`);
  }
  return {
    mb_written: mb,
    lines: result.lines,
    baseline_rss_mb: Math.round(baseline / 1048576),
    peak_rss_mb: Math.round(peak / 1048576),
    seconds: (Date.now() - started) / 1000,
  };
}

/** The measurement in a process of its own (so the bench process's heap does not blur it). */
export function benchCommandMemory(mb: number): Record<string, number> {
  const child = spawnSync(
    process.execPath,
    [`--max-old-space-size=${HEAP_LIMIT_MB}`, '--import', 'tsx', __filename, String(mb)],
    { encoding: 'utf8', maxBuffer: 1024 * 1024 },
  );
  const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
  if (child.status !== 0 || line === undefined) {
    throw new Error(`command memory bench (${mb} MB) failed: ${child.stderr.slice(-2000)}`);
  }
  return { ...(JSON.parse(line) as Record<string, number>), heap_limit_mb: HEAP_LIMIT_MB };
}

if (require.main === module) {
  measure(Number(process.argv[2] ?? 100)).then(
    (figures) => process.stdout.write(`${JSON.stringify(figures)}\n`),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
