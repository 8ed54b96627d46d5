// Drills: subscription delivery skips a window in the middle of a log (the log group's filter removed for a while and
// put back, with public AWS calls only, as a non-retryable delivery error disables a filter on AWS: "logs are
// skipped"). The forwarder never sees those events. The seal must still hold every line CloudWatch holds, once: the
// missing lines are recovered from CloudWatch (marked `recovered`, counted in the seal), none is stored twice.
// - A managed job: its runner counted what CloudWatch accepted, so the short count sends the proof to CloudWatch.
// - An external job of 50 PutLogEvents calls, 10 of them while the filter is away, completed without a count.
import type { SubscriptionFilter } from '@aws-sdk/client-cloudwatch-logs';
import {
  DRILL_TIMEOUT_MS,
  drillJob,
  drillLine,
  indexes,
  storedLastIndex,
  waitStoredPast,
  type DrillJob,
} from '../../support/drill';
import { newExecutionId, startHarness, waitFor, waitSealed, type Harness } from '../../support/harness';
import { strictAws } from '../../support/strict-aws';
import * as subscription from '../../support/subscription-filter';

const EXTERNAL_CALLS = 50;
const LINES_PER_CALL = 500;
const FILTER_AWAY = { from: 20, to: 30 };

describe('drill: subscription delivery skips a window mid-log', () => {
  const strict = strictAws();
  let h: Harness;
  let job: DrillJob;

  beforeAll(async () => {
    h = await startHarness();
    job = drillJob();
  });
  afterAll(async () => {
    job?.end();
    // Whatever happened, the log group's filter is back for the tests after these.
    if (h && filter) await putFilter(h, filter).catch(() => undefined);
    await h?.stop();
    job?.cleanup();
  });

  let filter: SubscriptionFilter | undefined;

  it(
    'a managed job: the lines written while the filter was away are recovered at the seal, every line once',
    async () => {
      filter = await currentFilter(h);
      const id = newExecutionId('drill-gap-managed');
      await h.client.start({ command: job.command, executionId: id });
      await waitStoredPast(h.aws.store, id, 0);

      await removeFilter(h);
      const tipWhileAway = await storedLastIndex(h.aws.store, id);
      // The job goes on printing: 20 more PutLogEvents calls reach CloudWatch while nothing is delivered.
      const putsBefore = await putLogEventsCalls();
      await waitFor('20 PutLogEvents calls while the filter is away', async () =>
        (await putLogEventsCalls()) >= putsBefore + 20 ? true : undefined,
      );
      await putFilter(h, filter);
      // Delivery resumes: the tip grows past where it stood.
      await waitStoredPast(h.aws.store, id, (await storedLastIndex(h.aws.store, id)) + 1);

      job.end();
      const view = await waitSealed(h.client, id, 180_000);
      expect(view).toMatchObject({ status: 'SUCCEEDED', sealed: true, exitCode: 0, duplicateEvents: 0 });
      const n = job.printed();
      expect(view.lastIndex).toBe(n);
      const events = await allEvents(h, id);
      expect(events.map((e) => e.index)).toEqual(indexes(view.lastIndex));
      // Every line the job printed, once; the recovered ones come after the tip as it stood when they were found.
      expect([...events.map((e) => e.message)].sort()).toEqual(indexes(view.lastIndex).map(drillLine).sort());
      const recovered = events.filter((e) => e.recovered === true);
      expect(recovered.length).toBeGreaterThan(0);
      expect(view.recoveredEvents).toBe(recovered.length);
      expect(recovered.every((e) => e.index > tipWhileAway)).toBe(true);
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'an external job of 25,000 lines with its filter away for 10 of its 50 calls: sealed with all 25,000',
    async () => {
      filter ??= await currentFilter(h);
      const id = newExecutionId('drill-gap-external');
      const stream = `external/${id}`;
      await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
      await h.aws.source.createStream(h.config.logGroup, stream);
      const start = Date.now();
      for (let call = 0; call < EXTERNAL_CALLS; call++) {
        if (call === FILTER_AWAY.from) await removeFilter(h);
        if (call === FILTER_AWAY.to) await putFilter(h, filter);
        const lines = Array.from({ length: LINES_PER_CALL }, (_, i) => ({
          timestamp: start + call,
          message: externalLine(call * LINES_PER_CALL + i + 1),
        }));
        await h.aws.source.putEvents(h.config.logGroup, stream, lines);
      }
      const total = EXTERNAL_CALLS * LINES_PER_CALL;
      const away = (FILTER_AWAY.to - FILTER_AWAY.from) * LINES_PER_CALL;
      await waitStoredPast(h.aws.store, id, total - away - 1);
      await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });

      const view = await waitSealed(h.client, id, 240_000);
      expect(view).toMatchObject({ status: 'SUCCEEDED', sealed: true, lastIndex: total });
      expect(view).toMatchObject({ recoveredEvents: away, duplicateEvents: 0 });
      const events = await allEvents(h, id);
      expect(events.map((e) => e.index)).toEqual(indexes(total));
      const expected = indexes(total).map(externalLine);
      const skipped = expected.slice(FILTER_AWAY.from * LINES_PER_CALL, FILTER_AWAY.to * LINES_PER_CALL);
      // Delivered lines in CloudWatch's order, then the skipped ones, recovered, in CloudWatch's order too.
      expect(events.map((e) => e.message)).toEqual([...expected.filter((line) => !skipped.includes(line)), ...skipped]);
      expect(events.filter((e) => e.recovered === true).map((e) => e.message)).toEqual(skipped);
    },
    DRILL_TIMEOUT_MS,
  );

  /** PutLogEvents calls the strict layer has passed on so far. */
  async function putLogEventsCalls(): Promise<number> {
    return (await strict.stats()).operations['logs:PutLogEvents']?.calls ?? 0;
  }
});

function externalLine(n: number): string {
  return `external line ${n}`;
}

/** Every event of the log through the API's /logs pages, with its `recovered` mark. */
async function allEvents(h: Harness, id: string): Promise<{ index: number; message: string; recovered?: boolean }[]> {
  const events: { index: number; message: string; recovered?: boolean }[] = [];
  let since = 0;
  for (;;) {
    const page = await h.client.getHandle(id).logs({ sinceIndex: since, limit: 10_000 });
    events.push(...page.events);
    if (page.nextIndex === null) return events;
    since = page.nextIndex;
  }
}

function currentFilter(h: Harness): Promise<SubscriptionFilter> {
  return subscription.currentFilter(h.aws.cloudwatch, h.config.logGroup);
}

function removeFilter(h: Harness): Promise<void> {
  return subscription.removeFilter(h.aws.cloudwatch, h.config.logGroup);
}

function putFilter(h: Harness, filter: SubscriptionFilter): Promise<void> {
  return subscription.putFilter(h.aws.cloudwatch, h.config.logGroup, filter);
}
