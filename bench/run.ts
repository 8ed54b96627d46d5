import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../src/config';
import { createAwsAdapters } from '../src/compose/wiring';
import { strictAws } from '../test/support/strict-aws';
import { benchChunkCount } from './chunk-count';
import { benchCloudWatchRate } from './cloudwatch-rate';
import { benchCommandMemory } from './command-memory';
import { benchJoinWave } from './join-wave';
import { benchLargeLog } from './large-log';
import { benchPushPoll, DEFAULT_PUSH_POLL, type PushPollOptions } from './push-poll';
import { startBenchStack } from './stack';
import { benchScaleOut } from './scale-out';
import { benchSealProof } from './seal-proof';
import { benchSearch } from './search';
import { benchPushStoreCost, benchStoreCost } from './store-cost';
import { benchTailLatency } from './tail-latency';
import { benchTipsCost } from './tips-cost';
import { benchToolchain } from './toolchain';
import { benchWebHugeLog } from './web-huge-log';
import { benchWebRender } from './web-render';

type Figures = Record<string, number>;

/** bench/results.json. */
interface ResultsFile {
  measured_at: string;
  sections_measured_at?: Record<string, string>;
  results: Record<string, Figures>;
}

/** What a benchmark gets: the stack's environment and a configuration builder (the bench's own settings on top). */
interface BenchContext {
  env: Record<string, string>;
  config: (env?: Record<string, string>) => Config;
  pushPoll: PushPollOptions;
  /** The emulator itself, outside the strict layer: for observers that must not count against its quotas. */
  emulatorEndpoint: string;
}

// The benchmarks that measure per-execution polling keep it (and start no forwarders): their figures stay
// comparable with earlier runs whether or not the log group has logstream's subscription filter.
const POLLED = { LOGSTREAM_INGEST: 'poll', LOGSTREAM_FORWARDER: '0' };

/** Executions completing together in the seal-proof benchmark. */
const SEAL_PROOF_EXECUTIONS = 200;

/**
 * The benchmarks, in the order they run; each returns result sections by name. push-poll and join-wave run first,
 * before the others fill the log group (and through its subscription filter, the Kinesis stream) with their lines.
 */
const BENCHES: Record<string, (ctx: BenchContext) => Promise<Record<string, Figures>>> = {
  toolchain: async () => ({ toolchain: benchToolchain() }),
  'push-poll': async ({ env, config, pushPoll, emulatorEndpoint }) => {
    const base = config();
    const aws = createAwsAdapters(base);
    try {
      const strict = strictAws(env.AWS_ENDPOINT_URL);
      const kinesis = { endpoint: emulatorEndpoint, streamName: base.kinesisStream };
      const stack = {
        env,
        logGroup: base.logGroup,
        strict,
        cloudwatch: aws.cloudwatch,
        source: aws.source,
        store: aws.store,
        kinesis,
      };
      return { push_poll: await benchPushPoll(stack, pushPoll) };
    } finally {
      aws.destroy();
    }
  },
  // 1,000 sockets joining one running execution (ingest as the stack offers it: push), beside one socket.
  'join-wave': async ({ config }) => ({
    join_wave: await benchJoinWave(config({ LOGSTREAM_TASK_QUEUE: 'bench-join' })),
  }),
  // 200 executions completing together, with and without the producer's count: the seal's CloudWatch reads and time.
  'seal-proof': async ({ env, config }) => ({
    seal_proof: await benchSealProof(
      config({ LOGSTREAM_TASK_QUEUE: 'bench-seal' }),
      strictAws(env.AWS_ENDPOINT_URL),
      SEAL_PROOF_EXECUTIONS,
    ),
  }),
  // 300 sockets on 30 running push executions, behind HAProxy: DynamoDB reads per API node per second, 1 node vs 3.
  'scale-out': async ({ env, config }) => ({ scale_out: await benchScaleOut(env, config) }),
  // A pushed job at 10 lines/s against the same lines as one burst: write units per 1,000 lines, store and seal.
  'push-store-cost': async ({ config }) => ({
    // The baseline stores every round's lines at once (hold 0); 20 s is the hold's default on AWS.
    push_store_cost: await benchPushStoreCost(config, [0, 20_000]),
  }),
  // Chunks per hour of a job at 200 lines/s, nothing held (a watched job) against the hold's defaults (nobody watching).
  'chunk-count': async () => ({ chunk_count: await benchChunkCount() }),
  // A shard's tips item at N = 200 and 2,000 executions: every tip (the baseline) against the tailed ones' only.
  'tips-cost': async ({ config }) => ({ tips_cost: await benchTipsCost(config(), [200, 2000]) }),
  'store-cost': async ({ config }) => ({
    store_cost: await benchStoreCost(config({ ...POLLED, LOGSTREAM_TASK_QUEUE: 'bench-cost' })),
  }),
  'cloudwatch-calls': async ({ config }) => {
    // Baseline: the same ingest polling at a fixed 100 ms (no adaptive back-off).
    const fixed = await benchCloudWatchRate(
      config({
        ...POLLED,
        LOGSTREAM_TASK_QUEUE: 'bench-rate-fixed',
        LOGSTREAM_POLL_MIN_MS: '100',
        LOGSTREAM_POLL_MAX_MS: '100',
      }),
    );
    const adaptive = await benchCloudWatchRate(
      config({
        ...POLLED,
        LOGSTREAM_TASK_QUEUE: 'bench-rate',
        LOGSTREAM_POLL_MIN_MS: '100',
        LOGSTREAM_POLL_MAX_MS: '2000',
      }),
    );
    return {
      cloudwatch_calls: {
        adaptive_idle_calls_per_s: adaptive.idle_calls_per_s ?? Number.NaN,
        adaptive_busy_calls_per_s: adaptive.busy_calls_per_s ?? Number.NaN,
        fixed_idle_calls_per_s: fixed.idle_calls_per_s ?? Number.NaN,
        fixed_busy_calls_per_s: fixed.busy_calls_per_s ?? Number.NaN,
        idle_ratio_vs_fixed: (adaptive.idle_calls_per_s ?? 0) / (fixed.idle_calls_per_s ?? 1),
        busy_lines_per_s: adaptive.busy_lines_per_s ?? Number.NaN,
      },
    };
  },
  'tail-latency': async ({ config }) => {
    const ws = await benchTailLatency(config({ ...POLLED, LOGSTREAM_TASK_QUEUE: 'bench-latency-ws' }), 'websocket');
    // Baseline: a client without the tail, polling /logs every 500 ms.
    const polling = await benchTailLatency(
      config({ ...POLLED, LOGSTREAM_TASK_QUEUE: 'bench-latency-rest' }),
      'rest-polling',
    );
    return {
      tail_latency: {
        websocket_lines_received: ws.lines_received ?? Number.NaN,
        websocket_p50_ms: ws.p50_ms ?? Number.NaN,
        websocket_p99_ms: ws.p99_ms ?? Number.NaN,
        websocket_max_ms: ws.max_ms ?? Number.NaN,
        rest_polling_p50_ms: polling.p50_ms ?? Number.NaN,
        rest_polling_p99_ms: polling.p99_ms ?? Number.NaN,
        p50_ratio_vs_polling: (ws.p50_ms ?? 0) / (polling.p50_ms ?? 1),
        lines_per_s: 200,
      },
    };
  },
  'large-log': async ({ config }) => {
    // Memory while paging a log 10x larger than the baseline log: bounded = about the same growth.
    const small = await benchLargeLog(config(POLLED), 100_000);
    const large = await benchLargeLog(config(POLLED), 1_000_000);
    return {
      large_log: {
        baseline_lines: small.lines ?? Number.NaN,
        baseline_dynamodb_path_peak_heap_growth_mb: small.dynamodb_path_peak_heap_growth_mb ?? Number.NaN,
        baseline_cloudwatch_path_peak_heap_growth_mb: small.cloudwatch_path_peak_heap_growth_mb ?? Number.NaN,
        lines: large.lines ?? Number.NaN,
        ingest_lines_per_s: large.ingest_lines_per_s ?? Number.NaN,
        dynamodb_path_peak_heap_growth_mb: large.dynamodb_path_peak_heap_growth_mb ?? Number.NaN,
        cloudwatch_path_peak_heap_growth_mb: large.cloudwatch_path_peak_heap_growth_mb ?? Number.NaN,
      },
    };
  },
  // Server search on a sealed 1,000,000-line log with 1,000 needles, beside a full download of it.
  search: async ({ config }) => ({ search: await benchSearch(config(POLLED)) }),
  'command-memory': async () => {
    // The command runner while a job writes 1 GB as fast as it can, vs a 100 MB job: a fixed ceiling.
    const smallJob = benchCommandMemory(100);
    const bigJob = benchCommandMemory(1000);
    return {
      command_memory: {
        baseline_mb_written: smallJob.mb_written ?? Number.NaN,
        baseline_peak_rss_mb: smallJob.peak_rss_mb ?? Number.NaN,
        mb_written: bigJob.mb_written ?? Number.NaN,
        peak_rss_mb: bigJob.peak_rss_mb ?? Number.NaN,
        heap_limit_mb: bigJob.heap_limit_mb ?? Number.NaN,
        seconds: bigJob.seconds ?? Number.NaN,
      },
    };
  },
  // The web app on a 200,000-line log, virtualised vs every line rendered (`?virtualize=0`).
  'web-render': async ({ config }) => ({
    web_render: await benchWebRender(config({ ...POLLED, LOGSTREAM_TASK_QUEUE: 'bench-web' })),
  }),
  // The execution page on a 1,000,000-line log, windowed at its end, beside the whole-log view at 200,000 lines.
  'web-huge-log': async ({ config }) => ({ web_huge_log: await benchWebHugeLog(config(POLLED)) }),
};

/** `npm run bench [-- NAME... [--seconds S] [--counts 10,50,200] [--modes push,poll] [--sockets-per-execution K]]`. */
function parseArguments(argv: readonly string[]): { names: string[]; pushPoll: PushPollOptions } {
  const names: string[] = [];
  let pushPoll = DEFAULT_PUSH_POLL;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--seconds') pushPoll = { ...pushPoll, seconds: positive(arg, value()) };
    else if (arg === '--counts')
      pushPoll = {
        ...pushPoll,
        counts: value()
          .split(',')
          .map((n) => positive(arg, n)),
      };
    else if (arg === '--sockets-per-execution') {
      pushPoll = { ...pushPoll, socketsPerExecution: positive(arg, value()) };
    } else if (arg === '--modes') {
      const modes = value().split(',');
      if (!modes.every((m) => m === 'push' || m === 'poll')) throw new Error('--modes takes push and/or poll');
      pushPoll = { ...pushPoll, modes: modes as PushPollOptions['modes'] };
    } else if (arg in BENCHES) names.push(arg);
    else throw new Error(`unknown benchmark or option ${arg} (benchmarks: ${Object.keys(BENCHES).join(', ')})`);
  }
  return { names: names.length > 0 ? names : Object.keys(BENCHES), pushPoll };
}

function positive(option: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${option}: not a positive number: ${raw}`);
  return value;
}

/** `npm run bench`: each benchmark against its baseline in the same run; a table on stdout, bench/results.json. */
async function main(): Promise<void> {
  const { names, pushPoll } = parseArguments(process.argv.slice(2));
  const { stack, env, config } = await startBenchStack();
  const results: Record<string, Figures> = {};
  try {
    for (const name of names)
      Object.assign(
        results,
        await BENCHES[name]?.({ env, config, pushPoll, emulatorEndpoint: stack.emulatorEndpoint }),
      );
  } finally {
    await stack.stop();
  }
  const rows: string[] = [];
  for (const [bench, figures] of Object.entries(results)) {
    for (const [name, value] of Object.entries(figures)) {
      rows.push(`${bench.padEnd(18)} ${name.padEnd(36)} ${Number.isInteger(value) ? value : value.toFixed(3)}`);
    }
  }
  process.stdout.write(`${'benchmark'.padEnd(18)} ${'figure'.padEnd(36)} value\n${rows.join('\n')}\n`);
  // A run of some benchmarks replaces their sections and keeps the others' last results.
  const file = path.join(__dirname, 'results.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ResultsFile) : undefined;
  const measuredAt = new Date().toISOString();
  const sections = Object.fromEntries(Object.keys(results).map((section) => [section, measuredAt]));
  const merged: ResultsFile = {
    measured_at: measuredAt,
    // Sections kept from an earlier run say when they were measured (runs before this field: its measured_at).
    sections_measured_at: {
      ...Object.fromEntries(Object.keys(previous?.results ?? {}).map((s) => [s, previous?.measured_at ?? ''])),
      ...previous?.sections_measured_at,
      ...sections,
    },
    results: { ...previous?.results, ...results },
  };
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
