import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchCloudWatchRate } from './cloudwatch-rate';
import { benchCommandMemory } from './command-memory';
import { benchLargeLog } from './large-log';
import { startBenchStack } from './stack';
import { benchStoreCost } from './store-cost';
import { benchTailLatency } from './tail-latency';
import { benchToolchain } from './toolchain';
import { benchWebRender } from './web-render';

/** `npm run bench`: each benchmark against its baseline in the same run; a table on stdout, bench/results.json. */
async function main(): Promise<void> {
  const { stack, config } = await startBenchStack();
  const results: Record<string, Record<string, number>> = { toolchain: benchToolchain() };
  try {
    results.store_cost = await benchStoreCost(config({ LOGSTREAM_TASK_QUEUE: 'bench-cost' }));
    // Baseline: the same ingest polling at a fixed 100 ms (no adaptive back-off).
    const fixed = await benchCloudWatchRate(
      config({ LOGSTREAM_TASK_QUEUE: 'bench-rate-fixed', LOGSTREAM_POLL_MIN_MS: '100', LOGSTREAM_POLL_MAX_MS: '100' }),
    );
    const adaptive = await benchCloudWatchRate(
      config({ LOGSTREAM_TASK_QUEUE: 'bench-rate', LOGSTREAM_POLL_MIN_MS: '100', LOGSTREAM_POLL_MAX_MS: '2000' }),
    );
    results.cloudwatch_calls = {
      adaptive_idle_calls_per_s: adaptive.idle_calls_per_s ?? Number.NaN,
      adaptive_busy_calls_per_s: adaptive.busy_calls_per_s ?? Number.NaN,
      fixed_idle_calls_per_s: fixed.idle_calls_per_s ?? Number.NaN,
      fixed_busy_calls_per_s: fixed.busy_calls_per_s ?? Number.NaN,
      idle_ratio_vs_fixed: (adaptive.idle_calls_per_s ?? 0) / (fixed.idle_calls_per_s ?? 1),
      busy_lines_per_s: adaptive.busy_lines_per_s ?? Number.NaN,
    };
    const ws = await benchTailLatency(config({ LOGSTREAM_TASK_QUEUE: 'bench-latency-ws' }), 'websocket');
    // Baseline: a client without the tail, polling /logs every 500 ms.
    const polling = await benchTailLatency(config({ LOGSTREAM_TASK_QUEUE: 'bench-latency-rest' }), 'rest-polling');
    results.tail_latency = {
      websocket_lines_received: ws.lines_received ?? Number.NaN,
      websocket_p50_ms: ws.p50_ms ?? Number.NaN,
      websocket_p99_ms: ws.p99_ms ?? Number.NaN,
      websocket_max_ms: ws.max_ms ?? Number.NaN,
      rest_polling_p50_ms: polling.p50_ms ?? Number.NaN,
      rest_polling_p99_ms: polling.p99_ms ?? Number.NaN,
      p50_ratio_vs_polling: (ws.p50_ms ?? 0) / (polling.p50_ms ?? 1),
      lines_per_s: 200,
    };
    // Memory while paging a log 10x larger than the baseline log: bounded = about the same growth.
    const small = await benchLargeLog(config(), 100_000);
    const large = await benchLargeLog(config(), 1_000_000);
    results.large_log = {
      baseline_lines: small.lines ?? Number.NaN,
      baseline_dynamodb_path_peak_heap_growth_mb: small.dynamodb_path_peak_heap_growth_mb ?? Number.NaN,
      baseline_cloudwatch_path_peak_heap_growth_mb: small.cloudwatch_path_peak_heap_growth_mb ?? Number.NaN,
      lines: large.lines ?? Number.NaN,
      ingest_lines_per_s: large.ingest_lines_per_s ?? Number.NaN,
      dynamodb_path_peak_heap_growth_mb: large.dynamodb_path_peak_heap_growth_mb ?? Number.NaN,
      cloudwatch_path_peak_heap_growth_mb: large.cloudwatch_path_peak_heap_growth_mb ?? Number.NaN,
    };
    // The command runner while a job writes 1 GB as fast as it can, vs a 100 MB job: a fixed ceiling.
    const smallJob = benchCommandMemory(100);
    const bigJob = benchCommandMemory(1000);
    results.command_memory = {
      baseline_mb_written: smallJob.mb_written ?? Number.NaN,
      baseline_peak_rss_mb: smallJob.peak_rss_mb ?? Number.NaN,
      mb_written: bigJob.mb_written ?? Number.NaN,
      peak_rss_mb: bigJob.peak_rss_mb ?? Number.NaN,
      heap_limit_mb: bigJob.heap_limit_mb ?? Number.NaN,
      seconds: bigJob.seconds ?? Number.NaN,
    };
    // The web app on a 200,000-line log, virtualised vs every line rendered (`?virtualize=0`).
    results.web_render = await benchWebRender(config({ LOGSTREAM_TASK_QUEUE: 'bench-web' }));
  } finally {
    await stack.stop();
  }
  const rows: string[] = [];
  for (const [bench, figures] of Object.entries(results)) {
    for (const [name, value] of Object.entries(figures)) {
      rows.push(`${bench.padEnd(18)} ${name.padEnd(28)} ${Number.isInteger(value) ? value : value.toFixed(3)}`);
    }
  }
  process.stdout.write(`${'benchmark'.padEnd(18)} ${'figure'.padEnd(28)} value\n${rows.join('\n')}\n`);
  writeFileSync(
    path.join(__dirname, 'results.json'),
    `${JSON.stringify({ measured_at: new Date().toISOString(), results }, null, 2)}\n`,
  );
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
