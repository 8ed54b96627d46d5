import { followAll } from '../../support/follow-all';
// Drill: the API process is stopped (SIGTERM, then SIGKILL) and started again on the same port while 50 WebSocket
// clients tail a running job. Half use the programmatic client's follow, half are raw sockets that reconnect with
// their last index; every one must end with exactly 1..N, no gap, no duplicate.
import { LogstreamClient } from '../../../src/client/client';
import type { IndexedEvent } from '../../../src/domain';
import { startApiProcess, type ApiProcess } from '../../support/api-process';
import {
  DRILL_TIMEOUT_MS,
  drillJob,
  drillLine,
  expectSealedExact,
  indexes,
  storedLastIndex,
  waitStoredPast,
  type DrillJob,
} from '../../support/drill';
import { newExecutionId, startHarness, waitFor, type Harness } from '../../support/harness';
import { resumingSocket, type ResumingSocket } from '../../support/resuming-socket';

const FOLLOWERS = 25;
const RAW_SOCKETS = 25;

/** A programmatic client following the execution, and what it received. */
interface Follower {
  readonly events: IndexedEvent[];
  readonly done: Promise<unknown>;
}

async function openSockets(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  return Number(/^logstream_ws_open_sockets (\d+)/m.exec(text)?.[1] ?? NaN);
}

function lastOf(events: readonly IndexedEvent[]): number {
  return events[events.length - 1]?.index ?? 0;
}

describe('drill: API process restarted under 50 tailing sockets', () => {
  let h: Harness;
  let api: ApiProcess;
  let job: DrillJob;
  let raw: ResumingSocket[] = [];

  beforeAll(async () => {
    // The worker (and its job) run in this process; the API the clients talk to runs in a child.
    h = await startHarness();
    api = await startApiProcess({ LOGSTREAM_TASK_QUEUE: h.config.taskQueue, LOGSTREAM_POLL_MIN_MS: '50' });
    job = drillJob();
  });
  afterAll(async () => {
    job?.end();
    raw.forEach((socket) => socket.close());
    await api?.stop();
    await h?.stop();
    job?.cleanup();
  });

  it(
    'every client resumes from its last index across a graceful stop and a kill of the API',
    async () => {
      const client = new LogstreamClient({ url: api.url });
      const id = newExecutionId('drill-api');
      await client.start({ command: job.command, executionId: id });
      let tip = await waitStoredPast(h.aws.store, id, 0);

      const followers: Follower[] = Array.from({ length: FOLLOWERS }, () => {
        const events: IndexedEvent[] = [];
        // Generous retries: the API is down while a child process restarts on a loaded machine.
        const done = followAll(client.getHandle(id), (event) => events.push(event), { maxRetries: 30 });
        done.catch(() => undefined);
        return { events, done };
      });
      const wsBase = `ws://127.0.0.1:${api.port}/ws`;
      raw = Array.from({ length: RAW_SOCKETS }, () => resumingSocket(wsBase, id));
      const lastIndexes = (): number[] => [...followers.map((f) => lastOf(f.events)), ...raw.map((s) => s.lastIndex)];

      await waitFor('50 sockets open, each with events', async () =>
        (await openSockets(api.url)) === FOLLOWERS + RAW_SOCKETS && lastIndexes().every((i) => i > 0)
          ? true
          : undefined,
      );

      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        tip = await waitStoredPast(h.aws.store, id, tip);
        await api.stop(signal);
        // The job goes on while the API is down: the clients have lines to catch up when it is back.
        tip = await waitStoredPast(h.aws.store, id, tip + 20);
        await api.restart();
        const storedAtRestart = await storedLastIndex(h.aws.store, id);
        await waitFor(`every client past index ${storedAtRestart} after the ${signal} restart`, async () =>
          lastIndexes().every((i) => i > storedAtRestart) ? true : undefined,
        );
        tip = storedAtRestart;
      }

      job.end();
      const n = await expectSealedExact(client, id, job);
      // follow resolves with the final view: the whole log, and it says so.
      const views = await Promise.all(followers.map((f) => f.done));
      expect(views).toEqual(
        followers.map(() => expect.objectContaining({ status: 'SUCCEEDED', sealed: true, lastIndex: n })),
      );
      const statuses = await Promise.all(raw.map((s) => s.done));

      const expected = indexes(n).map((index) => ({ index, message: drillLine(index) }));
      for (const follower of followers) {
        expect(follower.events.map((e) => ({ index: e.index, message: e.message }))).toEqual(expected);
      }
      for (const socket of raw) {
        // Raw frames as received: a duplicate or a gap from the server would show here.
        expect(socket.events.map((e) => ({ index: e.index, message: e.message }))).toEqual(expected);
        // Each restart cost every socket its connection.
        expect(socket.connections).toBeGreaterThanOrEqual(3);
      }
      expect(statuses).toEqual(raw.map(() => ({ status: 'SUCCEEDED', last_index: n })));
    },
    DRILL_TIMEOUT_MS,
  );
});
