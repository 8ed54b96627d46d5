import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../src/config';
import { startWorker } from '../src/main/worker';
import { createAwsAdapters, provisionAws } from '../src/compose/wiring';
import { forwarderWorkflowId } from '../workflows/forwarder-workflow';
import { quantile, sleep, startBenchStack } from './stack';

/** Options of the forwarder-lag benchmark. */
export interface ForwarderLagOptions {
  /** Numbers of log streams (one push execution each) written at once. */
  readonly counts: readonly number[];
  /** How long the streams are written (s). */
  readonly seconds: number;
  /** Lines each stream gets per second, in one PutLogEvents call. */
  readonly linesPerSecond: number;
}

export const DEFAULT_FORWARDER_LAG: ForwarderLagOptions = { counts: [50, 200], seconds: 20, linesPerSecond: 10 };

/**
 * How far the shard forwarder trails the writes: N log streams of push executions (routes and records written as
 * registration writes them, so only the forwarder stores) each written `linesPerSecond` lines a second for `seconds`,
 * through the subscription filter and Kinesis on the local stack. The lag is sampled once a second as now minus the
 * shard's reported `caughtUpTo` (what a push drain waits on; it includes up to a second of reporting interval).
 * Figures per N: `forwarder_n<N>_lag_p50_ms`, `_lag_p99_ms`, `_catch_up_ms` (after the last write until caught up),
 * `_lines_per_s` (what the writers achieved), `_exact` (1 when every line written is stored, no more),
 * `_getrecords_per_s` and `_getrecords_throttled` (the strict layer's Kinesis counters).
 */
export async function benchForwarderLag(
  config: (env?: Record<string, string>) => Config,
  options: ForwarderLagOptions = DEFAULT_FORWARDER_LAG,
): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const n of options.counts) Object.assign(figures, await phase(config, n, options));
  return figures;
}

async function phase(
  config: (env?: Record<string, string>) => Config,
  n: number,
  options: ForwarderLagOptions,
): Promise<Record<string, number>> {
  const suffix = randomUUID().slice(0, 8);
  const cfg = config({
    LOGSTREAM_INGEST: 'push',
    LOGSTREAM_LOG_GROUP: `/logstream/bench-forwarder-${suffix}`,
    LOGSTREAM_KINESIS_STREAM: `logstream-bench-forwarder-${suffix}`,
    LOGSTREAM_TASK_QUEUE: `bench-forwarder-${suffix}`,
    // The forwarder's own pace: nothing held back (a drain's own execution is not held either: it watches it).
    LOGSTREAM_PUSH_HOLD_MS: '0',
  });
  await provisionAws(cfg);
  const aws = createAwsAdapters(cfg);
  const worker = await startWorker(cfg);
  const connection = await Connection.connect({ address: cfg.temporalAddress });
  const temporal = new Client({ connection, namespace: cfg.temporalNamespace });
  try {
    const streams: { executionId: string; stream: string }[] = [];
    for (let i = 0; i < n; i++) {
      const executionId = `bench-forwarder-${suffix}-${i}`;
      const stream = `external/${executionId}`;
      const location = { logGroup: cfg.logGroup, logStreams: [stream] };
      await aws.store.registerExecution({ executionId, location, startedAt: Date.now(), ingest: 'push' });
      await aws.registry.putRoute({ logGroup: cfg.logGroup, logStream: stream, executionId });
      await aws.source.createStream(cfg.logGroup, stream);
      streams.push({ executionId, stream });
    }
    const caughtUpTo = async (): Promise<number> => {
      const progress = await aws.registry.listShardProgress(cfg.kinesisStream);
      return progress.length === 0 ? 0 : Math.min(...progress.map((p) => p.caughtUpTo));
    };
    const before = await kinesisStats(cfg);
    const lags: number[] = [];
    let writing = true;
    const sampler = (async () => {
      while (writing) {
        await sleep(1000);
        const caught = await caughtUpTo();
        if (caught > 0) lags.push(Date.now() - caught);
      }
    })();
    const started = Date.now();
    let written = 0;
    await Promise.all(
      streams.map(async ({ executionId, stream }, i) => {
        // Spread over the first second, as independent jobs would be.
        await sleep((i * 1000) / n);
        let line = 0;
        while (Date.now() - started < options.seconds * 1000) {
          const at = Date.now();
          const batch = Array.from({ length: options.linesPerSecond }, (_, k) => ({
            timestamp: at,
            message: `${executionId} line ${line + k + 1} ${'x'.repeat(80)}`,
          }));
          await aws.source.putEvents(cfg.logGroup, stream, batch);
          line += batch.length;
          written += batch.length;
          await sleep(Math.max(0, 1000 - (Date.now() - at)));
        }
      }),
    );
    const wroteUntil = Date.now();
    const elapsed = (wroteUntil - started) / 1000;
    while ((await caughtUpTo()) < wroteUntil) await sleep(200);
    const catchUp = Date.now() - wroteUntil;
    writing = false;
    await sampler;
    const after = await kinesisStats(cfg);
    let stored = 0;
    for (const { executionId } of streams) stored += (await aws.store.latestChunk(executionId))?.last ?? 0;
    return {
      [`forwarder_n${n}_lag_p50_ms`]: quantile(lags, 0.5),
      [`forwarder_n${n}_lag_p99_ms`]: quantile(lags, 0.99),
      [`forwarder_n${n}_catch_up_ms`]: catchUp,
      [`forwarder_n${n}_lines_per_s`]: Math.round(written / elapsed),
      [`forwarder_n${n}_exact`]: stored === written ? 1 : 0,
      [`forwarder_n${n}_getrecords_per_s`]: Math.round(((after.calls - before.calls) / elapsed) * 100) / 100,
      [`forwarder_n${n}_getrecords_throttled`]: after.throttled - before.throttled,
    };
  } finally {
    for (const shard of await aws.shards.listShards(cfg.kinesisStream)) {
      await temporal.workflow
        .getHandle(forwarderWorkflowId(cfg.kinesisStream, shard.shardId))
        .terminate('benchmark over')
        .catch(() => undefined);
    }
    await worker.stop();
    await connection.close();
    aws.destroy();
  }
}

/** The strict layer's GetRecords counters. */
async function kinesisStats(cfg: Config): Promise<{ calls: number; throttled: number }> {
  const response = await fetch(`${cfg.awsEndpoint?.replace(/\/+$/, '')}/__strict/stats`);
  const stats = (await response.json()) as { operations: Record<string, { calls: number; throttled: number }> };
  const getRecords = stats.operations['kinesis:GetRecords'];
  return { calls: getRecords?.calls ?? 0, throttled: getRecords?.throttled ?? 0 };
}

// `npx tsx bench/forwarder-lag.ts [N,N...] [seconds]`: on a local stack of its own, prints the figures as JSON.
if (require.main === module) {
  const [counts, seconds] = process.argv.slice(2);
  const options: ForwarderLagOptions = {
    ...DEFAULT_FORWARDER_LAG,
    ...(counts ? { counts: counts.split(',').map(Number) } : {}),
    ...(seconds ? { seconds: Number(seconds) } : {}),
  };
  void (async () => {
    const { stack, config } = await startBenchStack();
    try {
      process.stdout.write(`${JSON.stringify(await benchForwarderLag(config, options), null, 2)}\n`);
    } finally {
      await stack.stop();
    }
  })().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`forwarder-lag: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
