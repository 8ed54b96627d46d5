import { setMaxListeners } from 'node:events';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LogstreamClient } from '../src/client/client';
import type { CloudWatchLogSource } from '../src/adapters/cloudwatch/cloudwatch-log-source';
import type { LogStore } from '../src/ports';
import type { StrictAwsControl, StrictStatsView } from '../test/support/strict-aws';
import { KinesisArrivals } from './kinesis-arrivals';
import { LoadGenerator } from './load-generator';
import { inParallel, openSockets, readCalls, sameLines, storedExactly, waitSealedBy, waitUntil } from './phase-tools';
import type { BenchServices } from './services';
import { quantile, sleep } from './stack';

// Lines written in the load's first seconds are left out of the after-warm-up latency figures.
const WARM_UP_MS = 5000;

/** Where the phases run: the stack's environment for the services, its log group, its strict layer, a writer. */
export interface PushPollStack {
  readonly env: Record<string, string>;
  readonly logGroup: string;
  readonly strict: StrictAwsControl;
  /** The log group's CloudWatch, through the strict layer (its subscription filter is put again for the model). */
  readonly cloudwatch: CloudWatchLogsClient;
  readonly source: Pick<CloudWatchLogSource, 'createStream' | 'putEvents'>;
  /** Where the bench reads the mode each execution was registered with. */
  readonly store: Pick<LogStore, 'getExecution'>;
  /** Where the push phases see each line reach Kinesis: the emulator itself (outside the strict layer), the stream. */
  readonly kinesis: { readonly endpoint: string; readonly streamName: string };
}

/** How push vs poll is chosen (LOGSTREAM_INGEST). */
export type IngestModeName = 'push' | 'poll';

const LINES_PER_SECOND = 10;
const LINE_BYTES = 120;
/** Bounds of the waits (states, not durations): generous for 200 polled executions sealing under the read quotas. */
const SEAL_TIMEOUT_MS = 300_000;
/** Every socket open, its first /logs retried through the read quota's refusals. */
const FIRST_LOGS_TIMEOUT_MS = 600_000;

/** One WebSocket tail: what it received (message and receipt time), and how it ended. */
interface TailRecord {
  readonly stream: string;
  /** The execution's first tail (the others only add sockets). */
  readonly first: boolean;
  readonly receipts: { message: string; at: number }[];
  ended: 'sealed' | 'failed' | 'running';
}

/**
 * One phase: N external executions registered, `socketsPerExecution` WebSocket tails each, fed for `seconds`,
 * completed, sealed and read back; its figures (CloudWatch reads live, at set-up and for the seals, latency,
 * exactness, the API's peak RSS).
 */
export async function runPhase(
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
  const began = Date.now();
  // Progress on stderr: a phase at N = 200 takes minutes on a loaded machine.
  const progress = (step: string): void => {
    process.stderr.write(`push-poll ${tag} +${Math.round((Date.now() - began) / 1000)}s: ${step}\n`);
  };

  // Registration and the first /logs of every tail: in push mode these should need no CloudWatch read.
  await stack.strict.resetStats();
  const setupStart = Date.now();
  await inParallel(ids, async (id) => {
    await client.start({ logGroup: stack.logGroup, logStream: streamOf(id), executionId: id });
    await stack.source.createStream(stack.logGroup, streamOf(id));
  });
  const aborted = new AbortController();
  // One signal ends every follow of the phase (up to 1,000): each adds its listener, which is no leak.
  setMaxListeners(n * socketsPerExecution + 10, aborted.signal);
  const tails: TailRecord[] = [];
  const tailsDone: Promise<unknown>[] = [];
  let refusedLogs = 0;
  await inParallel(
    ids.flatMap((id) => Array.from({ length: socketsPerExecution }, (_, k) => ({ id, first: k === 0 }))),
    async ({ id, first }) => {
      const tail: TailRecord = { stream: streamOf(id), first, receipts: [], ended: 'running' };
      tails.push(tail);
      const onEvent = (event: { message: string }): void => {
        tail.receipts.push({ message: event.message, at: Date.now() });
      };
      // Under the read quota a first /logs that must read CloudWatch can be refused (429/503): the follow retries
      // it, and each refusal before the socket is live is counted. Poll mode at N = 200 (1,000 first calls under
      // 25 GetLogEvents/s) was seen refused for over 2 minutes, so the follow never gives up here; the end of the
      // phase aborts it. A lane moves on once its socket is live (or its follow ended).
      let live = false;
      let wentLive = (): void => undefined;
      const isLive = new Promise<void>((resolve) => (wentLive = resolve));
      // The follow alone, as a reader does it (no describe() at its end: 1,000 of them at once would load the API and
      // Temporal just while the seals are measured).
      const follow = client.getHandle(id).follow({
        signal: aborted.signal,
        maxRetries: Infinity,
        onPhase: (phase) => {
          if (phase.phase === 'live') {
            live = true;
            wentLive();
          } else if (phase.phase === 'reconnecting' && !live) refusedLogs++;
        },
      });
      const done = (async () => {
        for await (const item of follow) if (item.kind === 'event') onEvent(item);
      })().then(
        () => (tail.ended = 'sealed'),
        () => (tail.ended = 'failed'),
      );
      tailsDone.push(done);
      await Promise.race([isLive, done]);
    },
  );
  await waitUntil(`${tails.length} open sockets`, FIRST_LOGS_TIMEOUT_MS, async () => {
    return (await openSockets(services.url)) >= tails.length;
  });
  const setupReads = readCalls(await stack.strict.stats());
  progress(`${n} registered, ${tails.length} tails open`);
  const setupSeconds = (Date.now() - setupStart) / 1000;

  // Live ingest: CloudWatch reads, throttling and the API's memory while every execution is written to.
  const load = new LoadGenerator((group, stream, events) => stack.source.putEvents(group, stream, events), {
    logGroup: stack.logGroup,
    streams: ids.map(streamOf),
    linesPerSecond: LINES_PER_SECOND,
    batchesPerSecond: 1,
    lineBytes: LINE_BYTES,
  });
  await stack.strict.resetStats();
  const arrivals = mode === 'push' ? new KinesisArrivals(stack.kinesis.endpoint, stack.kinesis.streamName) : undefined;
  await arrivals?.start();
  let peakRss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakRss = Math.max(peakRss, await services.apiRssBytes().catch(() => 0));
      await sleep(1000);
    }
  })();
  const apiCallsBefore = await services.apiDynamoDbCalls();
  const liveStart = Date.now();
  await load.run(seconds);
  const liveSeconds = (Date.now() - liveStart) / 1000;
  const apiCallsLive = (await services.apiDynamoDbCalls()) - apiCallsBefore;
  const live = await stack.strict.stats();
  const liveReads = readCalls(live);
  sampling = false;
  await sampler;
  // Every line written reached Kinesis by now (the emulator delivers within PutLogEvents, the model within seconds).
  if (arrivals !== undefined) {
    await waitUntil('every line in Kinesis', SEAL_TIMEOUT_MS, async () =>
      ids.every((id) => load.lines(streamOf(id)).every((line) => arrivals.arrivalOf(line) !== undefined)),
    ).catch(() => undefined);
    await arrivals.stop();
  }
  progress(`${load.linesWritten} lines written`);
  // Where the emulator's time went while lines flowed: the busiest operations, with their calls and waits.
  const busiest = Object.entries(live.operations)
    .sort(([, a], [, b]) => (b.upstreamMs ?? 0) - (a.upstreamMs ?? 0))
    .slice(0, 8)
    .map(
      ([op, stats]) =>
        `${op} ${(stats.calls / liveSeconds).toFixed(1)}/s ${Math.round((stats.upstreamMs ?? 0) / Math.max(1, stats.calls))} ms`,
    );
  progress(`emulator: ${busiest.join(', ')}`);

  // Completion, the final drains and the seals: what the seal's check costs in CloudWatch reads.
  await stack.strict.resetStats();
  const completedAt = Date.now();
  await inParallel(ids, (id) => client.getHandle(id).complete({ status: 'SUCCEEDED' }));
  const sealed = await inParallel(ids, (id) => waitSealedBy(client, id, completedAt + SEAL_TIMEOUT_MS));
  const secondsToSeal = (Date.now() - completedAt) / 1000;
  progress(`${sealed.filter(Boolean).length} of ${n} sealed`);
  // The mode registration chose (its activity runs after POST /executions returns), as the record keeps it.
  const records = await inParallel(ids, (id) => stack.store.getExecution(id));
  const ingestAsMode = records.filter((record) => record?.ingest === mode).length;
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
  const allLatencies: number[] = [];
  // The same, for lines written once the load is WARM_UP_MS old: the first lines of N executions that all start in
  // the same second cost the forwarder a route and a record look-up each, which a real fleet spreads over time.
  const steadyLatencies: number[] = [];
  // What logstream adds: from the line's arrival in Kinesis to the socket (push only), first tails, then every socket.
  const own: number[] = [];
  const ownSteady: number[] = [];
  const ownAll: number[] = [];
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
      if (returnedAt === undefined) continue;
      allLatencies.push(receipt.at - returnedAt);
      const arrivedAt = arrivals?.arrivalOf(receipt.message);
      if (arrivedAt !== undefined) ownAll.push(receipt.at - arrivedAt);
      if (!tail.first) continue;
      if (arrivedAt !== undefined) {
        own.push(receipt.at - arrivedAt);
        if (returnedAt >= liveStart + WARM_UP_MS) ownSteady.push(receipt.at - arrivedAt);
      }
      latencies.push(receipt.at - returnedAt);
      if (returnedAt >= liveStart + WARM_UP_MS) steadyLatencies.push(receipt.at - returnedAt);
    }
  }
  return {
    executions: n,
    ingest_as_mode: ingestAsMode,
    sockets: tails.length,
    lines_written: load.linesWritten,
    // The target is 10 per execution; the emulator's PutLogEvents (with its delivery to Kinesis) can hold it back.
    lines_per_s: load.linesWritten / liveSeconds,
    put_failures: load.failures,
    read_calls_per_s: liveReads.calls / liveSeconds,
    // What the API process asked of DynamoDB while lines flowed (its tails, mostly): polled logs cost a Query per
    // tail per poll; pushed ones are fed by the forwarders' tips.
    api_dynamodb_calls_per_s: apiCallsLive / liveSeconds,
    read_throttled: liveReads.throttled,
    kinesis_get_records_per_s: (live.operations['kinesis:GetRecords']?.calls ?? 0) / liveSeconds,
    // How busy the emulator was while lines flowed (every caller's AWS calls), and how long a call waited for it.
    emulator_calls_per_s: emulatorCalls(live) / liveSeconds,
    emulator_ms_per_call: emulatorMs(live) / Math.max(1, emulatorCalls(live)),
    setup_seconds: setupSeconds,
    setup_read_calls: setupReads.calls,
    first_logs_refused: refusedLogs,
    seal_reads_per_execution: sealReads.calls / n,
    seconds_to_seal: secondsToSeal,
    p50_ms: quantile(latencies, 0.5),
    p99_ms: quantile(latencies, 0.99),
    max_ms: latencies.length > 0 ? Math.max(...latencies) : Number.NaN,
    after_warm_up_p50_ms: quantile(steadyLatencies, 0.5),
    after_warm_up_p99_ms: quantile(steadyLatencies, 0.99),
    all_sockets_p50_ms: quantile(allLatencies, 0.5),
    all_sockets_p99_ms: quantile(allLatencies, 0.99),
    ...(arrivals === undefined
      ? {}
      : {
          own_p50_ms: quantile(own, 0.5),
          own_p99_ms: quantile(own, 0.99),
          own_after_warm_up_p99_ms: quantile(ownSteady, 0.99),
          own_all_sockets_p99_ms: quantile(ownAll, 0.99),
          // Lines whose arrival the observer saw, of those the first tails received (1 = every one).
          own_observed_fraction: own.length / Math.max(1, latencies.length),
        }),
    sealed: sealed.filter(Boolean).length,
    sealed_exact: exact.filter(Boolean).length,
    tails_exact: tailsExact,
    api_peak_rss_mb: Math.round((peakRss / 1024 / 1024) * 10) / 10,
  };
}

function emulatorCalls(stats: StrictStatsView): number {
  return Object.values(stats.operations).reduce((sum, op) => sum + op.calls, 0);
}

function emulatorMs(stats: StrictStatsView): number {
  return Object.values(stats.operations).reduce((sum, op) => sum + (op.upstreamMs ?? 0), 0);
}
