// The HTTP client's follow() over a 50,000-line log on the real stack, with the API process killed (SIGKILL: every
// connection just drops) twice while it follows: once between two pages of what is stored (the first page holds
// 10,000 events; the next is requested only once they are consumed), once later while the second half is written.
// The iterable must yield indexes 1..50,000 exactly once each, in order, then the final status.
import { LogstreamClient, type FollowItem } from '../../src/client/client';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { indexes } from '../support/drill';
import { writeLines } from '../support/external-job';
import { newExecutionId, startHarness, waitFor, type Harness } from '../support/harness';

const TOTAL = 50_000;
const HALF = TOTAL / 2;
const FIRST_KILL_AT = 10_000;
const SECOND_KILL_AT = 40_000;

const line = (index: number): string => `follow line ${index}`;

const realFetch = globalThis.fetch;
/** Requests of the client that found no API (connection refused while it was down). */
let unreachable = 0;

describe('HTTP client: follow() across forced disconnects', () => {
  let h: Harness;
  let api: ApiProcess;

  beforeAll(async () => {
    // The worker runs in this process; the API the client talks to runs in a child process the test can kill.
    h = await startHarness();
    api = await startApiProcess({ LOGSTREAM_TASK_QUEUE: h.config.taskQueue, LOGSTREAM_POLL_MIN_MS: '50' });
  }, 180_000);
  afterAll(async () => {
    globalThis.fetch = realFetch;
    await api?.stop();
    await h?.stop();
  });

  it('yields a 50,000-line log exactly once, in order, through two kills of the API, then the final status', async () => {
    // Counts the client's requests that met the outage, to prove the follow went through it rather than around it.
    globalThis.fetch = (async (...args: Parameters<typeof fetch>) => {
      try {
        return await realFetch(...args);
      } catch (error) {
        unreachable += 1;
        throw error;
      }
    }) as typeof fetch;
    const client = new LogstreamClient({ url: api.url });
    const executionId = newExecutionId('follow50k');
    const stream = `external/${executionId}`;
    const execution = await client.start({ logGroup: h.config.logGroup, logStream: stream, executionId });
    // The external job runs until the test completes it: the first half is stored before following starts.
    await writeLines(
      h,
      stream,
      indexes(HALF).map((i) => line(i)),
    );
    await waitFor(`${executionId} stored to ${HALF}`, async () =>
      (await execution.describe()).lastIndex === HALF ? true : undefined,
    );

    const seen: number[] = [];
    let mismatched = 0;
    let final: FollowItem | undefined;
    let kills = 0;
    let restarting: Promise<void> = Promise.resolve();
    for await (const item of execution.follow({ maxRetries: 30 })) {
      if (item.kind === 'status') {
        final = item;
        continue;
      }
      seen.push(item.index);
      if (item.message !== line(item.index)) mismatched += 1;
      if (item.index === FIRST_KILL_AT || item.index === SECOND_KILL_AT) {
        // Killed while the consumer holds this event: the follow's next request finds the API gone and must retry
        // until it is back (the restart runs meanwhile, not awaited here).
        await restarting;
        await api.stop('SIGKILL');
        kills += 1;
        restarting = api.restart();
      }
      if (item.index === FIRST_KILL_AT) {
        // Write the second half while the follow resumes: it arrives live, over the tail.
        await writeLines(
          h,
          stream,
          indexes(HALF).map((i) => line(HALF + i)),
        );
      }
      if (item.index === TOTAL) await execution.complete({ status: 'SUCCEEDED', exitCode: 0 });
    }

    await restarting;
    expect(kills).toBe(2);
    expect(unreachable).toBeGreaterThan(0);
    expect(seen.length).toBe(TOTAL);
    expect(seen).toEqual(indexes(TOTAL));
    expect(mismatched).toBe(0);
    expect(final).toEqual({ kind: 'status', status: 'SUCCEEDED', lastIndex: TOTAL });
    expect(await execution.describe()).toMatchObject({ sealed: true, lastIndex: TOTAL, status: 'SUCCEEDED' });
  }, 600_000);
});
