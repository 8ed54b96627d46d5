// Shared parts of the drills (test/integration/drills): a job that prints numbered lines until the test ends it,
// progress read straight from the store (so it works while Temporal or the API is down), and the final check.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LogstreamClient } from '../../src/client/client';
import type { LogStore } from '../../src/ports';

/** The one store call the drills need (reads the tip without Temporal or the API). */
type TipReader = Pick<LogStore, 'latestChunk'>;
import { readAllLogs, waitFor, waitSealed } from './harness';

/** Bound of one drill: outages of 15-20 s, restarts and a backlog to catch up on a loaded 2-core machine. */
export const DRILL_TIMEOUT_MS = 400_000;

/** The line the drill job prints as its `index`-th line (its log index once stored). */
export function drillLine(index: number): string {
  return `drill line ${index}`;
}

/** A job that prints `drill line 1`, `drill line 2`, ... every 20 ms until `end()` is called, then exits 0. */
export interface DrillJob {
  readonly command: string[];
  /** Creates the marker file the job polls for: it prints nothing more and exits 0. */
  end(): void;
  /** How many lines the job printed, as it wrote on its way out (undefined while it runs). */
  printed(): number | undefined;
  /** Removes the marker's directory. */
  cleanup(): void;
}

/** A fresh drill job with its own marker file. */
export function drillJob(): DrillJob {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'logstream-drill-'));
  const marker = path.join(dir, 'end');
  const count = path.join(dir, 'printed');
  // The count is written after the last line, so the test can tell a lost last line from a job that ended there.
  const script =
    'i=1; while [ ! -e "$1" ]; do echo "drill line $i"; i=$((i+1)); sleep 0.02; done; echo $((i-1)) > "$2.tmp"; mv "$2.tmp" "$2"';
  return {
    command: ['sh', '-c', script, 'drill-job', marker, count],
    end: () => writeFileSync(marker, ''),
    printed: () => (existsSync(count) ? Number(readFileSync(count, 'utf8').trim()) : undefined),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The highest index stored for the execution, read from the store itself (no Temporal, no API). */
export async function storedLastIndex(store: TipReader, executionId: string): Promise<number> {
  return (await store.latestChunk(executionId))?.last ?? 0;
}

/** Waits until the store holds more than `index` events of the execution: ingestion is storing. Returns the new tip. */
export function waitStoredPast(
  store: TipReader,
  executionId: string,
  index: number,
  timeoutMs = 90_000,
): Promise<number> {
  return waitFor(
    `${executionId} stored past index ${index}`,
    async () => {
      const last = await storedLastIndex(store, executionId);
      return last > index ? last : undefined;
    },
    timeoutMs,
  );
}

/** Range 1..n. */
export function indexes(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/**
 * Waits for the seal and checks the log is exact: SUCCEEDED, indexes 1..N, line i is `drill line i`, and N is the
 * count the job wrote as it exited, so every line the job printed is there once, in order. Returns N.
 */
export async function expectSealedExact(
  client: LogstreamClient,
  executionId: string,
  job: DrillJob,
  timeoutMs = 180_000,
): Promise<number> {
  const view = await waitSealed(client, executionId, timeoutMs);
  expect(view).toMatchObject({ status: 'SUCCEEDED', sealed: true, exitCode: 0 });
  // The job has exited (the seal follows its exit): its count is there.
  expect(view.lastIndex).toBe(job.printed());
  const { events, sources } = await readAllLogs(client, executionId);
  expect(sources).toEqual(new Set(['dynamodb']));
  const n = view.lastIndex;
  expect(n).toBeGreaterThan(0);
  expect(events.map((e) => e.index)).toEqual(indexes(n));
  expect(events.map((e) => e.message)).toEqual(indexes(n).map(drillLine));
  return n;
}

/** The strict layer's control calls the drills need (see strict-aws.ts). */
interface FaultControl {
  state(): Promise<{ faults: readonly { id: string }[] }>;
}

/** Waits until the strict layer no longer lists fault `id`: the fault is over (it ends by itself after its seconds). */
export function waitFaultOver(strict: FaultControl, id: string, timeoutMs = 180_000): Promise<true> {
  return waitFor(
    `strict-layer fault ${id} to be over`,
    async () => ((await strict.state()).faults.some((fault) => fault.id === id) ? undefined : true),
    timeoutMs,
  );
}
