import { LogstreamClient } from '../src/client/client';
import type { Config } from '../src/config';
import { startServer } from '../src/main/server';
import { createAwsAdapters, type AwsAdapters } from '../src/compose/wiring';
import { startWorker } from '../src/main/worker';
import type { StrictAwsControl } from '../test/support/strict-aws';
import { inParallel, readCalls, waitSealedBy, waitUntil, withRealisticDelivery } from './phase-tools';

/** Lines per execution, ~120 bytes each, written in calls of 100 (a small job's log). */
const LINES = 600;
const LINES_PER_CALL = 100;
const PAD = 'x'.repeat(100);
const STORED_TIMEOUT_MS = 300_000;
const SEAL_TIMEOUT_MS = 600_000;

/**
 * The seal's proofs when `n` executions complete together, twice: with the producer's count (`event_count`, what the
 * built-in runner reports: the proof by count) and without (an external producer: the proof reads CloudWatch). Each
 * execution's 600 lines are stored by the push forwarder before the completions. Figures per kind: CloudWatch read
 * calls per sealed execution (counted by the strict layer), seconds from the last completion to the last seal, and
 * seconds from the end of the last settle window to the last seal. Delivery runs under `REALISTIC_DELIVERY`
 * (`phase-tools.ts`).
 */
export async function benchSealProof(
  config: Config,
  strict: StrictAwsControl,
  n: number,
): Promise<Record<string, number>> {
  const worker = await startWorker(config);
  const server = await startServer(config);
  const aws = createAwsAdapters(config);
  const client = new LogstreamClient({ url: server.url });
  try {
    return await withRealisticDelivery(strict, aws.cloudwatch, config.logGroup, () =>
      sealProofs(n, strict, aws, client, config),
    );
  } finally {
    await server.stop();
    await worker.stop();
    aws.destroy();
  }
}

async function sealProofs(
  n: number,
  strict: StrictAwsControl,
  aws: AwsAdapters,
  client: LogstreamClient,
  config: Config,
): Promise<Record<string, number>> {
  const figures: Record<string, number> = { executions: n, lines_per_execution: LINES, settle_ms: config.settleMs };
  for (const counted of [true, false]) {
    const kind = counted ? 'counted' : 'uncounted';
    const run = `bench-seal-${kind}-${Date.now()}`;
    const ids = Array.from({ length: n }, (_, i) => `${run}-${i}`);
    await inParallel(ids, async (id) => {
      const stream = `bench/${id}`;
      await aws.source.createStream(config.logGroup, stream);
      await client.start({ logGroup: config.logGroup, logStream: stream, executionId: id });
    });
    const start = Date.now();
    await inParallel(ids, async (id) => {
      for (let first = 1; first <= LINES; first += LINES_PER_CALL) {
        const events = Array.from({ length: LINES_PER_CALL }, (_, i) => ({
          timestamp: start + first + i,
          message: `line ${first + i} ${PAD}`,
        }));
        await aws.source.putEvents(config.logGroup, `bench/${id}`, events);
      }
    });
    await waitUntil(`${n} ${kind} logs stored`, STORED_TIMEOUT_MS, async () => {
      const tips = await inParallel(ids, (id) => aws.store.latestChunk(id));
      return tips.every((tip) => tip?.last === LINES);
    });
    await strict.resetStats();
    const completedAt = Date.now();
    await inParallel(ids, (id) =>
      client.getHandle(id).complete({ status: 'SUCCEEDED', eventCount: counted ? LINES : undefined }),
    );
    const lastCompletion = Date.now();
    const sealed = await inParallel(ids, (id) => waitSealedBy(client, id, completedAt + SEAL_TIMEOUT_MS));
    const lastSeal = Date.now();
    const reads = readCalls(await strict.stats());
    const views = await inParallel(ids, (id) => client.getHandle(id).describe());
    figures[`${kind}_sealed`] = sealed.filter(Boolean).length;
    figures[`${kind}_sealed_exact`] = views.filter((v) => v.sealed && v.lastIndex === LINES).length;
    figures[`${kind}_recovered_events`] = views.reduce((sum, v) => sum + (v.recoveredEvents ?? 0), 0);
    figures[`${kind}_read_calls_per_seal`] = reads.calls / n;
    figures[`${kind}_read_throttled`] = reads.throttled;
    figures[`${kind}_seconds_to_last_seal`] = (lastSeal - lastCompletion) / 1000;
    figures[`${kind}_seconds_after_settle_window`] = (lastSeal - (lastCompletion + config.settleMs)) / 1000;
  }
  const { counters } = await strict.delivery();
  figures.delivery_repeated_records = counters.repeated;
  figures.delivery_rebatched_records = counters.rebatched;
  figures.delivery_max_lag_ms = counters.maxLagMs;
  return figures;
}
