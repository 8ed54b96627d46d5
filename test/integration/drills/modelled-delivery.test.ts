// Drills under subscription delivery as AWS documents it (the strict layer's delivery model: asynchronous and lagged,
// records repeated under new sequence numbers, re-batched) and replies lost after a call took effect. Each ends
// sealed and equal to CloudWatch's content: none missing, none twice, and the seal's counters say what happened.
// - Records repeated (5 %) and re-batched, lagged: a managed job is sealed in order by its count, with no read.
// - Lag far past the settle window: an external job (no count) is sealed with every line once; what had not arrived
//   was recovered from CloudWatch and its late delivery stored nothing twice.
// - PutLogEvents replies lost (CloudWatch holds those batches twice) and DynamoDB write replies lost: the runner's
//   count is uncertain, so the proof reads CloudWatch; the log holds exactly what CloudWatch holds.
import type { SubscriptionFilter } from '@aws-sdk/client-cloudwatch-logs';
import { managedLogStream } from '../../../src/domain';
import { DRILL_TIMEOUT_MS, drillJob, drillLine, expectSealedExact, indexes, waitStoredPast } from '../../support/drill';
import { newExecutionId, readAllLogs, startHarness, waitFor, waitSealed, type Harness } from '../../support/harness';
import { strictAws, type DeliveryPatch } from '../../support/strict-aws';
import { currentFilter, putFilter } from '../../support/subscription-filter';

const strict = strictAws();
let h: Harness;
let filter: SubscriptionFilter;

/** Puts the log group's filter again as it was: in `modelled` mode the strict layer takes its delivery over. */
function putFilterAgain(): Promise<void> {
  return putFilter(h.aws.cloudwatch, h.config.logGroup, filter);
}

async function deliverAs(patch: DeliveryPatch): Promise<void> {
  await strict.setDelivery({ mode: 'modelled', reorder: false, ...patch });
  await putFilterAgain();
}

// The settle window: the time a completed job's late deliveries get before its seal reads CloudWatch for them. Wider
// than the test stack's 500 ms, so that the first drill's lag (p99 1 s) stays within it on a loaded machine, which is
// the case it is about; the second drill's lag is far past it.
const SETTLE_MS = 4000;

beforeAll(async () => {
  h = await startHarness({ env: { LOGSTREAM_SETTLE_MS: String(SETTLE_MS) } });
  filter = await currentFilter(h.aws.cloudwatch, h.config.logGroup);
});
afterEach(async () => {
  await strict.clearFaults();
});
afterAll(async () => {
  // The emulator's own delivery again for the tests after these.
  await strict.resetDelivery();
  await putFilterAgain();
  await h?.stop();
});

describe('drill: modelled subscription delivery', () => {
  it(
    'records repeated (5 %) and re-batched, lagged: a managed job sealed exact, in order, by its count',
    async () => {
      await deliverAs({
        seed: 11,
        lag: { medianMs: 200, p99Ms: 1000 },
        repeatFraction: 0.05,
        splitFraction: 0.1,
        mergeFraction: 0.1,
      });
      const before = (await strict.delivery()).counters;
      const job = drillJob();
      try {
        const id = newExecutionId('drill-repeats');
        await h.client.start({ command: job.command, executionId: id });
        await waitStoredPast(h.aws.store, id, 0);
        // Enough of the job's records went through the model to be repeated and re-batched several times.
        await waitFor(
          'records repeated and re-batched',
          async () => {
            const now = (await strict.delivery()).counters;
            return now.repeated - before.repeated >= 3 && now.rebatched - before.rebatched >= 3 ? true : undefined;
          },
          180_000,
        );
        job.end();
        await expectSealedExact(h.client, id, job);
        expect(await h.client.getHandle(id).describe()).toMatchObject({ recoveredEvents: 0, duplicateEvents: 0 });
      } finally {
        job.end();
        job.cleanup();
      }
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'delivery lag far past the settle window: an external job sealed with every line once',
    async () => {
      // Deliveries take 6 s in the median, up to 12 s: most come after the settle window.
      await deliverAs({ seed: 12, lag: { medianMs: 6000, p99Ms: 12_000 }, repeatFraction: 0.05 });
      const id = newExecutionId('drill-lag');
      const stream = `external/${id}`;
      await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
      await h.aws.source.createStream(h.config.logGroup, stream);
      const lines = indexes(2000).map((i) => `lagged line ${i}`);
      const start = Date.now();
      for (let call = 0; call < 20; call++) {
        await h.aws.source.putEvents(
          h.config.logGroup,
          stream,
          lines.slice(call * 100, (call + 1) * 100).map((message) => ({ timestamp: start + call, message })),
        );
      }
      // Completed at once: most records are still on their way.
      await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
      const view = await waitSealed(h.client, id, 240_000);
      expect(view).toMatchObject({ status: 'SUCCEEDED', sealed: true, lastIndex: 2000, duplicateEvents: 0 });
      const { events } = await readAllLogs(h.client, id);
      expect(events.map((e) => e.index)).toEqual(indexes(2000));
      expect(events.map((e) => e.message).sort()).toEqual([...lines].sort());
      expect(view.recoveredEvents).toBe(events.filter((e) => e.recovered === true).length);
      // The late deliveries, repeats included, reach the forwarder after the seal and store nothing.
      await waitFor('the model to deliver everything', async () =>
        (await strict.delivery()).counters.pending === 0 ? true : undefined,
      );
      expect((await h.client.getHandle(id).describe()).lastIndex).toBe(2000);
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'replies lost after the call took effect (PutLogEvents, DynamoDB writes): the log equals CloudWatch’s content',
    async () => {
      await deliverAs({ seed: 13, lag: { medianMs: 100, p99Ms: 500 } });
      const job = drillJob();
      try {
        const id = newExecutionId('drill-lost-reply');
        await h.client.start({ command: job.command, executionId: id });
        await waitStoredPast(h.aws.store, id, 0);
        const logsFault = await strict.fault({
          service: 'logs',
          kind: 'lost-reply',
          operations: ['PutLogEvents'],
          fraction: 0.3,
        });
        const dynamoFault = await strict.fault({
          service: 'dynamodb',
          kind: 'lost-reply',
          operations: ['PutItem', 'UpdateItem'],
          fraction: 0.2,
        });
        await waitFor(
          'replies lost',
          async () => {
            const { operations } = await strict.stats();
            const lost = (key: string) => operations[key]?.faulted ?? 0;
            return lost('logs:PutLogEvents') >= 3 && lost('dynamodb:PutItem') >= 3 ? true : undefined;
          },
          180_000,
        );
        expect([logsFault, dynamoFault]).toHaveLength(2);
        // A lost reply is retried by the runner: CloudWatch then holds that batch twice (each copy its own event).
        // Waited for as a state: a lost reply may also meet a call refused before it took effect.
        await waitFor(
          'CloudWatch holding a batch twice',
          async () => {
            const messages = await cloudWatchMessages(managedLogStream(id));
            return messages.length > new Set(messages).size ? true : undefined;
          },
          180_000,
        );
        await strict.clearFaults();
        job.end();
        const view = await waitSealed(h.client, id, 180_000);
        expect(view).toMatchObject({ status: 'SUCCEEDED', exitCode: 0, duplicateEvents: 0 });
        const { events } = await readAllLogs(h.client, id);
        expect(events.map((e) => e.index)).toEqual(indexes(view.lastIndex));
        // CloudWatch holds some batches twice (each copy its own event): the log holds each copy once.
        const inCloudWatch = await cloudWatchMessages(managedLogStream(id));
        expect(inCloudWatch.length).toBeGreaterThan(new Set(inCloudWatch).size);
        expect(events.map((e) => e.message).sort()).toEqual([...inCloudWatch].sort());
        // Every line the job printed is there, at least once.
        const printed = job.printed() ?? 0;
        expect(new Set(events.map((e) => e.message))).toEqual(new Set(indexes(printed).map(drillLine)));
      } finally {
        job.end();
        job.cleanup();
      }
    },
    DRILL_TIMEOUT_MS,
  );
});

/** Every message CloudWatch holds in `stream`, read page by page (retried while throttled). */
async function cloudWatchMessages(stream: string): Promise<string[]> {
  const messages: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await waitFor('a FilterLogEvents page', () =>
      h.aws.audit.filterStream(h.config.logGroup, stream, { nextToken }),
    );
    messages.push(...page.events.map((e) => e.message));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return messages;
}
