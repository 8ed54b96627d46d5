import { LogstreamClient } from '../src/client/client';
import type { Config } from '../src/config';
import type { IndexedEvent } from '../src/domain';
import { startServer } from '../src/main/server';
import { createAwsAdapters } from '../src/compose/wiring';
import { startWorker } from '../src/main/worker';
import { parseJobLine, startLineJob } from '../test/support/line-job';
import { readsOf, startTailEndpoint, type CallCounts, type TailEndpoint } from '../test/support/tail-endpoint';
import { openWaveSocket, type WaveSocket } from '../test/support/wave-socket';
import { quantile, sleep, startBenchStack } from './stack';

/** How the join wave is measured. */
export interface JoinWaveOptions {
  /** Sockets in the wave. */
  readonly sockets: number;
  /** Sockets opened at once (each batch waits for its handshakes). */
  readonly batch: number;
  /** Lines per second the job writes (in 10 ticks a second). */
  readonly linesPerSecond: number;
  /** Lines stored before the wave (its backlog). */
  readonly backlogLines: number;
  /** Seconds of live events measured once everyone joined. */
  readonly liveSeconds: number;
}

/** Defaults: issue 8's wave of 1,000 sockets on one running execution. */
export const DEFAULT_JOIN_WAVE: JoinWaveOptions = {
  sockets: 1000,
  batch: 100,
  linesPerSecond: 10,
  backlogLines: 200,
  liveSeconds: 15,
};

/** What one phase (one socket, or the wave) measured. */
interface PhaseResult {
  readonly joinSeconds: number;
  /** DynamoDB calls made for the joiners (upgrade checks, the tail's start, backlogs). */
  readonly join: CallCounts;
  /** DynamoDB reads of the tail's poll loop while they joined. */
  readonly loopReads: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly samples: number;
  /** Every socket got lines 1..N once each, in order. */
  readonly exact: boolean;
  /** How the execution was ingested (its record's `ingest`). */
  readonly ingest: string | undefined;
}

/**
 * Joins that cost O(1): one socket, then a wave of `sockets` sockets, joining a running external execution
 * (a job writing `linesPerSecond`). For each: the DynamoDB calls made for the joiners (GetItem, Query),
 * counted apart from the tail's poll loop, and the latency PutLogEvents -> WebSocket of the lines written
 * once everyone joined (p50/p99 over every socket). The tail endpoint runs in this process from the API
 * server's parts over the stack's table; so do the worker, the API (registration) and the clients.
 */
export async function benchJoinWave(
  config: Config,
  options: JoinWaveOptions = DEFAULT_JOIN_WAVE,
): Promise<Record<string, number>> {
  const limit = options.sockets + 10;
  const raised: Config = { ...config, ws: { ...config.ws, maxSocketsPerAddress: limit, maxSocketsPerKey: limit } };
  const worker = await startWorker(raised);
  const server = await startServer(raised);
  const aws = createAwsAdapters(raised);
  const endpoint = await startTailEndpoint(raised, aws.dynamodb);
  try {
    const one = await phase(raised, server.url, aws, endpoint, 1, options);
    const wave = await phase(raised, server.url, aws, endpoint, options.sockets, options);
    return {
      one_socket_join_get_item: one.join.GetItem ?? 0,
      one_socket_join_query: one.join.Query ?? 0,
      one_socket_p50_ms: one.p50Ms,
      one_socket_p99_ms: one.p99Ms,
      wave_sockets: options.sockets,
      wave_join_seconds: wave.joinSeconds,
      wave_join_get_item: wave.join.GetItem ?? 0,
      wave_join_query: wave.join.Query ?? 0,
      wave_join_reads: readsOf(wave.join),
      wave_poll_loop_reads_while_joining: wave.loopReads,
      wave_p50_ms: wave.p50Ms,
      wave_p99_ms: wave.p99Ms,
      wave_max_ms: wave.maxMs,
      wave_latency_samples: wave.samples,
      wave_exact: wave.exact && one.exact ? 1 : 0,
      // 1 = push (subscription -> Kinesis -> forwarder), 0 = poll (a record without a mode was polled).
      ingest_push: wave.ingest === 'push' ? 1 : 0,
      lines_per_s: options.linesPerSecond,
    };
  } finally {
    await endpoint.stop();
    await server.stop();
    await worker.stop();
    aws.destroy();
  }
}

/** One running execution, `sockets` sockets joining it, its live latency once they have; then its end. */
async function phase(
  config: Config,
  apiUrl: string,
  aws: ReturnType<typeof createAwsAdapters>,
  endpoint: TailEndpoint,
  sockets: number,
  options: JoinWaveOptions,
): Promise<PhaseResult> {
  const client = new LogstreamClient({ url: apiUrl });
  const id = `bench-wave-${sockets}-${Date.now()}`;
  const stream = `external/${id}`;
  await client.start({ logGroup: config.logGroup, logStream: stream, executionId: id });
  const job = await startLineJob(aws.source, config.logGroup, stream, {
    linesPerTick: Math.max(1, Math.round(options.linesPerSecond / 10)),
    tickMs: 100,
  });
  try {
    await until(async () => (await client.getHandle(id).describe()).lastIndex >= options.backlogLines);
    // Latency counts only lines written once every socket has joined (liveFrom is set then).
    let liveFrom = Number.POSITIVE_INFINITY;
    const latencies: number[] = [];
    const onEvent = (event: IndexedEvent): void => {
      const { sentAt } = parseJobLine(event.message);
      if (sentAt >= liveFrom) latencies.push(Date.now() - sentAt);
    };
    const before = { ...endpoint.joinCalls };
    const loopBefore = readsOf(endpoint.loopCalls);
    const began = Date.now();
    const opened: WaveSocket[] = [];
    for (let i = 0; i < sockets; i += options.batch) {
      const batch = Array.from({ length: Math.min(options.batch, sockets - i) }, () =>
        openWaveSocket(endpoint.url(id, 0), 0, onEvent),
      );
      opened.push(...batch);
      await Promise.all(batch.map((socket) => socket.opened));
    }
    const target = job.written;
    await until(async () => opened.every((socket) => socket.lastIndex >= target));
    const joinSeconds = (Date.now() - began) / 1000;
    const join = Object.fromEntries(
      Object.entries(endpoint.joinCalls).map(([operation, count]) => [operation, count - (before[operation] ?? 0)]),
    );
    const loopReads = readsOf(endpoint.loopCalls) - loopBefore;
    liveFrom = Date.now();
    await sleep(options.liveSeconds * 1000);
    const written = await job.stop();
    await client.getHandle(id).complete({ status: 'SUCCEEDED' });
    await until(async () => opened.every((socket) => socket.status !== undefined), 180_000);
    const exact = opened.every(
      (socket) => socket.indexes.length === written && socket.indexes.every((index, i) => index === i + 1),
    );
    for (const socket of opened) socket.close();
    return {
      ingest: (await aws.store.getExecution(id))?.ingest,
      joinSeconds,
      join,
      loopReads,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      maxMs: latencies.reduce((max, value) => Math.max(max, value), 0),
      samples: latencies.length,
      exact,
    };
  } finally {
    // Stopping twice is harmless: this ends the job when the phase failed midway.
    await job.stop();
  }
}

/** Polls `condition` every 50 ms until it holds, failing after `timeoutMs`. */
async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('join wave: timed out');
    await sleep(50);
  }
}

// `tsx bench/join-wave.ts [SOCKETS]`: this benchmark alone on its own stack, its figures as JSON.
if (require.main === module) {
  void (async () => {
    const { stack, config } = await startBenchStack();
    try {
      const sockets = Number(process.argv[2] ?? DEFAULT_JOIN_WAVE.sockets);
      const result = await benchJoinWave(config({ LOGSTREAM_TASK_QUEUE: 'bench-join-wave' }), {
        ...DEFAULT_JOIN_WAVE,
        sockets,
      });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } finally {
      await stack.stop();
    }
  })().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
