import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { LogstreamClient } from '../src/client/client';
import type { StrictAwsControl, StrictStatsView } from '../test/support/strict-aws';
import { currentFilter, putFilter } from '../test/support/subscription-filter';
import { sleep } from './stack';

/** `work` on every item, at most `limit` at a time; results in the items' order. */
export async function inParallel<T, R>(
  items: readonly T[],
  work: (item: T, index: number) => Promise<R>,
  limit = 16,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i] as T, i);
  });
  await Promise.all(lanes);
  return results;
}

/** Polls `holds` until it is true; throws naming `what` once `timeoutMs` has passed. */
export async function waitUntil(what: string, timeoutMs: number, holds: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await holds().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** The API's open WebSocket tails, from its Prometheus gauge. */
export async function openSockets(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  return Number(/^logstream_ws_open_sockets (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** True once the execution's log is sealed, false if it is not by `deadline` (epoch ms). */
export async function waitSealedBy(client: LogstreamClient, executionId: string, deadline: number): Promise<boolean> {
  for (;;) {
    const view = await client
      .getHandle(executionId)
      .describe()
      .catch(() => undefined);
    if (view?.sealed) return true;
    if (Date.now() > deadline) return false;
    await sleep(500);
  }
}

/** True when the sealed log read back through `/logs` is `expected`, once each, in order, with indexes 1..L. */
export async function storedExactly(
  client: LogstreamClient,
  executionId: string,
  expected: readonly string[],
): Promise<boolean> {
  const messages: string[] = [];
  let since = 0;
  for (;;) {
    const page = await client.getHandle(executionId).logs({ sinceIndex: since });
    if (!page.sealed) return false;
    for (const event of page.events) {
      if (event.index !== messages.length + 1) return false;
      messages.push(event.message);
    }
    if (page.nextIndex === null) return sameLines(messages, expected);
    since = page.nextIndex;
  }
}

/** True when both lists hold the same lines in the same order. */
export function sameLines(received: readonly string[], expected: readonly string[]): boolean {
  return received.length === expected.length && received.every((line, i) => line === expected[i]);
}

/** `figures` with each name prefixed by `prefix_`. */
export function prefixed(prefix: string, figures: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(figures).map(([name, value]) => [`${prefix}_${name}`, value]));
}

const CLOUDWATCH_READS = ['logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:DescribeLogStreams'];

/** CloudWatch read calls (GetLogEvents, FilterLogEvents, DescribeLogStreams) in the strict layer's counters. */
export function readCalls(stats: StrictStatsView): { calls: number; throttled: number } {
  let calls = 0;
  let throttled = 0;
  for (const key of CLOUDWATCH_READS) {
    calls += stats.operations[key]?.calls ?? 0;
    throttled += stats.operations[key]?.throttled ?? 0;
  }
  return { calls, throttled };
}

/**
 * Subscription delivery as AWS documents it, for the benches (the strict layer's model, seeded): lagged (median
 * 200 ms, p99 1 s), 1 % of records delivered again under a new sequence number, 5 % re-batched, and the destination
 * shards' write limits.
 */
export const REALISTIC_DELIVERY = {
  mode: 'modelled',
  seed: 16,
  lag: { medianMs: 200, p99Ms: 1000 },
  repeatFraction: 0.01,
  splitFraction: 0.05,
  mergeFraction: 0,
} as const;

/**
 * Runs `body` with `REALISTIC_DELIVERY` in force on `logGroup`'s subscription filter (the model takes over a filter
 * put while it is on), then puts back the emulator's delivery and the filter as they were.
 */
export async function withRealisticDelivery<T>(
  strict: StrictAwsControl,
  cloudwatch: CloudWatchLogsClient,
  logGroup: string,
  body: () => Promise<T>,
): Promise<T> {
  const filter = await currentFilter(cloudwatch, logGroup);
  await strict.setDelivery(REALISTIC_DELIVERY);
  await putFilter(cloudwatch, logGroup, filter);
  try {
    return await body();
  } finally {
    await strict.resetDelivery();
    await putFilter(cloudwatch, logGroup, filter);
  }
}
