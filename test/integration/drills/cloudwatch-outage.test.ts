// Drill: CloudWatch Logs down for 15 s (every call answered 503 by the strict AWS layer) while a managed job keeps
// printing. The shipper and the ingest loop must ride it out: once it is over the log is sealed exact, 1..N.
import {
  DRILL_TIMEOUT_MS,
  drillJob,
  drillLine,
  expectSealedExact,
  indexes,
  storedLastIndex,
  waitFaultOver,
  waitStoredPast,
  type DrillJob,
} from '../../support/drill';
import type { IndexedEvent } from '../../../src/domain';
import { newExecutionId, startHarness, waitFor, type Harness } from '../../support/harness';
import { resumingSocket, type ResumingSocket } from '../../support/resuming-socket';
import { strictAws, type StrictAwsControl } from '../../support/strict-aws';

describe('drill: CloudWatch Logs down 15 s mid-job', () => {
  const strict = strictAws();
  let h: Harness;
  let job: DrillJob;
  const readers: ResumingSocket[] = [];

  beforeAll(async () => {
    h = await startHarness();
    job = drillJob();
  });
  afterEach(async () => {
    await strict.clearFaults();
  });
  afterAll(async () => {
    job?.end();
    readers.forEach((socket) => socket.close());
    await h?.stop();
    job?.cleanup();
  });

  it(
    'loses and repeats no line the job printed through the outage',
    async () => {
      const id = newExecutionId('drill-logs-down');
      await h.client.run(job.command, id);
      await waitStoredPast(h.aws.store, id, 0);
      // Two live readers through the fault: the programmatic client's follow and a raw socket resuming by index.
      const followed: IndexedEvent[] = [];
      const follow = h.client.follow(id, (event) => followed.push(event));
      follow.catch(() => undefined);
      const socket = resumingSocket(`ws://127.0.0.1:${h.server.port}/ws`, id);
      readers.push(socket);
      await waitFor('both readers to receive events', async () =>
        followed.length > 0 && socket.events.length > 0 ? true : undefined,
      );
      const faultedBefore = await faultedCalls(strict);

      const fault = await strict.fault({ service: 'logs', kind: 'outage', seconds: 15 });
      await waitFaultOver(strict, fault);
      // The outage was felt: calls to CloudWatch Logs were refused while it lasted.
      expect(await faultedCalls(strict)).toBeGreaterThan(faultedBefore);
      // The job printed on through the outage and ingestion stores again: the tip grows past where it is now.
      await waitStoredPast(h.aws.store, id, await storedLastIndex(h.aws.store, id));

      job.end();
      const n = await expectSealedExact(h.client, id, job);
      const expected = indexes(n).map((index) => ({ index, message: drillLine(index) }));
      expect(await follow).toMatchObject({ status: 'SUCCEEDED', sealed: true, last_index: n });
      expect(followed.map((e) => ({ index: e.index, message: e.message }))).toEqual(expected);
      expect(await socket.done).toEqual({ status: 'SUCCEEDED', last_index: n });
      expect(socket.events.map((e) => ({ index: e.index, message: e.message }))).toEqual(expected);
    },
    DRILL_TIMEOUT_MS,
  );
});

/** CloudWatch Logs calls the strict layer refused for an injected fault, so far. */
async function faultedCalls(strict: StrictAwsControl): Promise<number> {
  const { operations } = await strict.stats();
  return Object.entries(operations)
    .filter(([operation]) => operation.startsWith('logs:'))
    .reduce((sum, [, counters]) => sum + counters.faulted, 0);
}
