import { LogstreamClient } from '../src/client/client';
import type { CloudWatchLogSource } from '../src/adapters/cloudwatch/cloudwatch-log-source';
import type { StrictAwsControl, StrictStatsView } from '../test/support/strict-aws';
import { LoadGenerator } from './load-generator';
import { inParallel, openSockets, prefixed, sameLines, storedExactly, waitSealedBy, waitUntil } from './phase-tools';
import { startBenchServices, type BenchServices } from './services';
import { quantile, sleep } from './stack';

/** How push and poll are measured side by side (defaults: issue 8's figures). */
export interface PushPollOptions {
  /** Concurrent external executions per phase. */
  readonly counts: readonly number[];
  /** Seconds of live ingest per phase. */
  readonly seconds: number;
  /** The many-sockets phase: this many executions with `socketsPerExecution` tails each (0 = skip it). */
  readonly socketsExecutions: number;
  readonly socketsPerExecution: number;
  readonly modes: readonly IngestModeName[];
}

type IngestModeName = 'push' | 'poll';

/** Where the phases run: the stack's environment for the services, its log group, its strict layer, a writer. */
export interface PushPollStack {
  readonly env: Record<string, string>;
  readonly logGroup: string;
  readonly strict: StrictAwsControl;
  readonly source: Pick<CloudWatchLogSource, 'createStream' | 'putEvents'>;
}

export const DEFAULT_PUSH_POLL: PushPollOptions = {
  counts: [10, 50, 200],
  seconds: 30,
  socketsExecutions: 200,
  socketsPerExecution: 5,
  modes: ['push', 'poll'],
};

const LINES_PER_SECOND = 10;
const LINE_BYTES = 120;
/** Bounds of the waits (states, not durations): generous for 200 polled executions sealing under the read quotas. */
const SOCKETS_OPEN_TIMEOUT_MS = 180_000;
const SEAL_TIMEOUT_MS = 600_000;
const CLOUDWATCH_READS = ['logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:DescribeLogStreams'];

/**
 * Push vs poll ingest under the strict AWS layer's default quotas: for each mode, one worker and one API
 * process; for each N, N external executions fed by the load generator (10 lines/s of 120 bytes each),
 * one WebSocket tail each, then completed and read back. Figures are named `<mode>_n<N>_<figure>`, and
 * `<mode>_sockets<total>_<figure>` for the phase with several tails per execution.
 */
export async function benchPushPoll(
  stack: PushPollStack,
  options: PushPollOptions = DEFAULT_PUSH_POLL,
): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  for (const mode of options.modes) {
    const services = await startBenchServices({ ...stack.env, ...modeEnv(mode) });
    try {
      const phase = (n: number, sockets: number): Promise<Record<string, number>> =>
        runPhase(stack, services, mode, n, sockets, options.seconds);
      for (const n of options.counts) Object.assign(results, prefixed(`${mode}_n${n}`, await phase(n, 1)));
      if (options.socketsExecutions > 0) {
        const total = options.socketsExecutions * options.socketsPerExecution;
        const figures = await phase(options.socketsExecutions, options.socketsPerExecution);
        Object.assign(results, prefixed(`${mode}_sockets${total}`, figures));
      }
    } finally {
      await services.stop();
    }
  }
  return results;
}

// Each mode on a task queue of its own: the push worker's forwarders are never picked up by the poll worker.
function modeEnv(mode: IngestModeName): Record<string, string> {
  return {
    LOGSTREAM_TASK_QUEUE: `bench-${mode}`,
    LOGSTREAM_INGEST: mode,
    LOGSTREAM_FORWARDER: mode === 'push' ? '1' : '0',
    // 200 polled executions are 200 long-running ingest activities on one worker.
    LOGSTREAM_WORKER_MAX_ACTIVITIES: '1000',
    // Every tail of the bench comes from one address.
    LOGSTREAM_WS_MAX_SOCKETS_PER_ADDRESS: '5000',
  };
}

/** One WebSocket tail: what it received (message and receipt time), and how it ended. */
interface TailRecord {
  readonly stream: string;
  readonly receipts: { message: string; at: number }[];
  ended: 'sealed' | 'failed' | 'running';
}

async function runPhase(
  stack: PushPollStack,
  services: BenchServices,
  mode: IngestModeName,
  n: number,
  socketsPerExecution: number,
  seconds: number,
): Promise<Record<string, number>> {
  const client = new LogstreamClient({ url: services.url });
  const tag = `${mode}-${n}x${socketsPerExecution}-${Date.now().toString(36)}`;
  const ids = Array.from({ length: n }, (_, i) => `bench-${tag}-${i}`);
  const streamOf = (id: string): string => `external/${id}`;

  // Registration and the first /logs of every tail: in push mode these should need no CloudWatch read.
  await stack.strict.resetStats();
  await inParallel(ids, async (id) => {
    await client.register(stack.logGroup, streamOf(id), id);
    await stack.source.createStream(stack.logGroup, streamOf(id));
  });
  const views = await inParallel(ids, (id) => client.status(id));
  const ingestAsMode = views.filter((view) => (view as { ingest?: string }).ingest === mode).length;
  const aborted = new AbortController();
  const tails: TailRecord[] = [];
  const tailsDone: Promise<unknown>[] = [];
  await inParallel(
    ids.flatMap((id) => Array.from({ length: socketsPerExecution }, () => id)),
    async (id) => {
      const page = await client.logs(id);
      const tail: TailRecord = { stream: streamOf(id), receipts: [], ended: 'running' };
      tails.push(tail);
      const onEvent = (event: { message: string }): void => {
        tail.receipts.push({ message: event.message, at: Date.now() });
      };
      tailsDone.push(
        client.tail(page.websocket_url, onEvent, { signal: aborted.signal, maxRetries: 20 }).then(
          () => (tail.ended = 'sealed'),
          () => (tail.ended = 'failed'),
        ),
      );
    },
  );
  await waitUntil(`${tails.length} open sockets`, SOCKETS_OPEN_TIMEOUT_MS, async () => {
    return (await openSockets(services.url)) >= tails.length;
  });
  const setupReads = readCalls(await stack.strict.stats());

  // Live ingest: CloudWatch reads, throttling and the API's memory while every execution is written to.
  const load = new LoadGenerator((group, stream, events) => stack.source.putEvents(group, stream, events), {
    logGroup: stack.logGroup,
    streams: ids.map(streamOf),
    linesPerSecond: LINES_PER_SECOND,
    batchesPerSecond: 1,
    lineBytes: LINE_BYTES,
  });
  await stack.strict.resetStats();
  let peakRss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakRss = Math.max(peakRss, await services.apiRssBytes().catch(() => 0));
      await sleep(1000);
    }
  })();
  const liveStart = Date.now();
  await load.run(seconds);
  const liveSeconds = (Date.now() - liveStart) / 1000;
  const live = await stack.strict.stats();
  const liveReads = readCalls(live);
  sampling = false;
  await sampler;

  // Completion, the final drains and the seals: what the seal's check costs in CloudWatch reads.
  await stack.strict.resetStats();
  const completedAt = Date.now();
  await inParallel(ids, (id) => client.complete(id, 'SUCCEEDED'));
  const sealed = await inParallel(ids, (id) => waitSealedBy(client, id, completedAt + SEAL_TIMEOUT_MS));
  const secondsToSeal = (Date.now() - completedAt) / 1000;
  const sealReads = readCalls(await stack.strict.stats());
  await waitUntil('the tails to end', Math.max(30_000, completedAt + SEAL_TIMEOUT_MS - Date.now()), async () =>
    tails.every((tail) => tail.ended !== 'running'),
  ).catch(() => undefined);
  aborted.abort();
  await Promise.allSettled(tailsDone);

  // Exactness: every sealed log read back is the lines written, once each, in order, indexes 1..L.
  const exact = await inParallel(ids, async (id, i) =>
    sealed[i] ? storedExactly(client, id, load.lines(streamOf(id))) : false,
  );
  const latencies: number[] = [];
  let tailsExact = 0;
  for (const tail of tails) {
    const expected = load.lines(tail.stream);
    if (
      tail.ended === 'sealed' &&
      sameLines(
        tail.receipts.map((r) => r.message),
        expected,
      )
    )
      tailsExact++;
    for (const receipt of tail.receipts) {
      const returnedAt = load.returnedAt(receipt.message);
      if (returnedAt !== undefined) latencies.push(receipt.at - returnedAt);
    }
  }
  return {
    executions: n,
    ingest_as_mode: ingestAsMode,
    sockets: tails.length,
    lines_written: load.linesWritten,
    put_failures: load.failures,
    read_calls_per_s: liveReads.calls / liveSeconds,
    read_throttled: liveReads.throttled,
    kinesis_get_records_per_s: (live.operations['kinesis:GetRecords']?.calls ?? 0) / liveSeconds,
    setup_read_calls: setupReads.calls,
    seal_reads_per_execution: sealReads.calls / n,
    seconds_to_seal: secondsToSeal,
    p50_ms: quantile(latencies, 0.5),
    p99_ms: quantile(latencies, 0.99),
    max_ms: latencies.length > 0 ? Math.max(...latencies) : Number.NaN,
    sealed: sealed.filter(Boolean).length,
    sealed_exact: exact.filter(Boolean).length,
    tails_exact: tailsExact,
    api_peak_rss_mb: Math.round((peakRss / 1024 / 1024) * 10) / 10,
  };
}

/** CloudWatch read calls (GetLogEvents, FilterLogEvents, DescribeLogStreams) in the strict layer's counters. */
function readCalls(stats: StrictStatsView): { calls: number; throttled: number } {
  let calls = 0;
  let throttled = 0;
  for (const key of CLOUDWATCH_READS) {
    calls += stats.operations[key]?.calls ?? 0;
    throttled += stats.operations[key]?.throttled ?? 0;
  }
  return { calls, throttled };
}
