// Drills at the size the seal's proof is specified for: subscription delivery disabled for 60 s (what a non-retryable
// delivery error does on AWS: the events of that window are never delivered) in the middle of a 50,000-line log,
// under the strict layer's delivery model (lagged, 5 % of records repeated, re-batched). Each log ends sealed and
// equal to what was written, event by event; the seal's counters say how many lines were recovered from CloudWatch
// (as many as the model skipped) and that none was stored twice.
// - A managed job printing 500 lines a second: its runner's count is short of what is stored, so the proof reads
//   CloudWatch and recovers the window.
// - An external job of 100 PutLogEvents calls of 500 lines, completed without a count.
import type { SubscriptionFilter } from '@aws-sdk/client-cloudwatch-logs';
import { DRILL_TIMEOUT_MS, indexes, storedLastIndex, waitStoredPast } from '../../support/drill';
import { newExecutionId, readAllLogs, waitFor, waitSealed, type Harness } from '../../support/harness';
import { ownStreamEnv, useOwnStreamHarness } from '../../support/own-stream';
import { strictAws } from '../../support/strict-aws';
import { currentFilter, putFilter } from '../../support/subscription-filter';

const LINES = 50_000;
const PER_SECOND = 500;
const OUTAGE_SECONDS = 60;

const strict = strictAws();
// A log group of its own: the outage and the model's counters concern this file's lines alone.
const harness = useOwnStreamHarness(ownStreamEnv('test-outage'));
let h: Harness;
let filter: SubscriptionFilter;

const line = (prefix: string, i: number): string => `${prefix} line ${i}`;

beforeAll(async () => {
  h = harness();
  filter = await currentFilter(h.aws.cloudwatch, h.config.logGroup);
  await strict.setDelivery({
    mode: 'modelled',
    seed: 16,
    reorder: false,
    lag: { medianMs: 200, p99Ms: 1000 },
    repeatFraction: 0.05,
    splitFraction: 0.05,
    mergeFraction: 0.05,
  });
  // Put again, the filter's delivery is the model's.
  await putFilter(h.aws.cloudwatch, h.config.logGroup, filter);
});
afterAll(async () => {
  await strict.enableDelivery().catch(() => undefined);
  await strict.resetDelivery();
  await putFilter(h.aws.cloudwatch, h.config.logGroup, filter);
});

/** Disables the log group's delivery for the outage, and resolves with how many events it skipped once it is over. */
async function outage(): Promise<number> {
  const before = (await strict.delivery()).counters.skippedEvents;
  await strict.disableDelivery({ seconds: OUTAGE_SECONDS, logGroup: h.config.logGroup });
  await waitFor(
    'the outage to end',
    async () => ((await strict.delivery()).disabled.length === 0 ? true : undefined),
    OUTAGE_SECONDS * 1000 + 120_000,
  );
  return (await strict.delivery()).counters.skippedEvents - before;
}

/** The sealed log is the written lines, 1..N, each once; returns its view. */
async function expectSealedAs(id: string, prefix: string, skipped: number) {
  const view = await waitSealed(h.client, id, 300_000);
  expect(view).toMatchObject({ status: 'SUCCEEDED', sealed: true, lastIndex: LINES, duplicateEvents: 0 });
  expect(view.recoveredEvents).toBe(skipped);
  const { events } = await readAllLogs(h.client, id);
  expect(events.map((e) => e.index)).toEqual(indexes(LINES));
  // Recovered lines come after those stored before them (see docs/architecture.md): the same lines, each once.
  expect(events.map((e) => e.message).sort()).toEqual(
    indexes(LINES)
      .map((i) => line(prefix, i))
      .sort(),
  );
  expect(events.filter((e) => e.recovered === true)).toHaveLength(skipped);
  return view;
}

describe('drill: delivery disabled for 60 s in the middle of a 50,000-line log', () => {
  it(
    'a managed job: the window is recovered at the seal, every line once',
    async () => {
      const id = newExecutionId('drill-outage-managed');
      // 50 lines every 100 ms: 500 a second, 100 s in all.
      const script = `let i = 1; const t = setInterval(() => { for (let k = 0; k < ${PER_SECOND / 10} && i <= ${LINES}; k++) console.log('managed line ' + i++); if (i > ${LINES}) clearInterval(t); }, 100);`;
      await h.client.start({ command: [process.execPath, '-e', script], executionId: id });
      await waitStoredPast(h.aws.store, id, 5000, 180_000);
      const skipped = await outage();
      expect(skipped).toBeGreaterThan(1000);
      // Some lines are stored after the window: delivery resumed.
      const tip = await storedLastIndex(h.aws.store, id);
      await waitStoredPast(h.aws.store, id, tip, 180_000);
      await expectSealedAs(id, 'managed', skipped);
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'an external job completed without a count: the window is recovered at the seal, every line once',
    async () => {
      const id = newExecutionId('drill-outage-external');
      const stream = `external/${id}`;
      await h.aws.source.createStream(h.config.logGroup, stream);
      await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
      let written = 0;
      let skipping: Promise<number> | undefined;
      while (written < LINES) {
        // The outage starts after a fifth of the log, and the writes go on through it at the same pace.
        if (skipping === undefined && written >= LINES / 5) skipping = outage();
        const at = Date.now();
        const batch = indexes(PER_SECOND).map((k) => ({ timestamp: at, message: line('external', written + k) }));
        await h.aws.source.putEvents(h.config.logGroup, stream, batch);
        written += batch.length;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, at + 1000 - Date.now())));
      }
      const skipped = await (skipping ?? Promise.resolve(0));
      expect(skipped).toBeGreaterThan(1000);
      await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
      await expectSealedAs(id, 'external', skipped);
    },
    DRILL_TIMEOUT_MS,
  );
});
