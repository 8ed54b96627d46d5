import { ApiError } from '../../../src/client/errors';
import {
  followLog,
  type FollowBatch,
  type FollowSource,
  type TailConnect,
  type TailHandlers,
  type TailOutcome,
} from '../../../src/client/follow-loop';
import type { LogPage } from '../../../src/client/views';
import type { IndexedEvent } from '../../../src/domain';

// The one resume loop against a scripted API and scripted connections (no server, no socket): what it yields, where
// it resumes, and when it gives up. The real API and sockets are in test/integration/http-client-follow.test.ts.
const ID = 'exec-1';
const FAST = { baseMs: 1, maxMs: 1, jitter: 'none' as const };

const events = (from: number, to: number): IndexedEvent[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ index: from + i, timestamp: from + i, message: `l${from + i}` }));

function page(overrides: Partial<LogPage>): LogPage {
  return {
    executionId: ID,
    status: 'RUNNING',
    sealed: false,
    sealPending: true,
    events: [],
    lastIndex: 0,
    nextIndex: null,
    websocketUrl: 'ws://api.invalid/ws',
    source: 'dynamodb',
    ...overrides,
  };
}

/** A source whose pages come from `pages` by `sinceIndex`, recording where each read started. */
function source(pages: (since: number) => LogPage, seal = { sealed: false, sealPending: false }) {
  const reads: number[] = [];
  const described = { count: 0 };
  const src: FollowSource = {
    executionId: ID,
    readPage: (since) => {
      reads.push(since);
      return Promise.resolve(pages(since));
    },
    sealState: () => {
      described.count++;
      return Promise.resolve(seal);
    },
  };
  return { src, reads, described };
}

/** Connections that play `scripts` in turn: frames of events, then an outcome. */
function connections(scripts: { frames: IndexedEvent[][]; outcome: TailOutcome }[]) {
  const opened: string[] = [];
  const signals: AbortSignal[] = [];
  const connect: TailConnect = async (url: string, handlers: TailHandlers, signal: AbortSignal) => {
    opened.push(url);
    signals.push(signal);
    const script = scripts.shift();
    if (script === undefined) throw new Error('no more connections scripted');
    handlers.open();
    for (const frame of script.frames) {
      try {
        handlers.events(frame);
      } catch (error) {
        // As the real connections do: a gap drops the connection.
        return { kind: 'dropped', reason: (error as Error).message };
      }
    }
    return script.outcome;
  };
  return { connect, opened, signals };
}

async function collect(batches: AsyncGenerator<FollowBatch>): Promise<{ indexes: number[]; last?: FollowBatch }> {
  const indexes: number[] = [];
  let last: FollowBatch | undefined;
  for await (const batch of batches) {
    if (batch.kind === 'events') indexes.push(...batch.events.map((e) => e.index));
    last = batch;
  }
  return { indexes, last };
}

const range = (from: number, to: number): number[] => events(from, to).map((e) => e.index);

describe('the resume loop', () => {
  it('pages what is stored, tails the rest, and resumes a dropped socket from the last index: each event once', async () => {
    const { src, reads } = source((since) =>
      since === 0
        ? page({ events: events(1, 2), lastIndex: 2 })
        : page({ events: events(since + 1, 5), lastIndex: 5, websocketUrl: `ws://api.invalid/ws?last_index=5` }),
    );
    const { connect, opened } = connections([
      { frames: [events(3, 4)], outcome: { kind: 'dropped', reason: 'reset' } },
      // The second socket repeats line 5 (already paged): it is not passed on twice.
      { frames: [events(5, 7)], outcome: { kind: 'done', status: 'SUCCEEDED', lastIndex: 7 } },
    ]);
    const phases: string[] = [];
    const result = await collect(
      followLog(src, connect, { backoff: FAST, onPhase: (phase) => phases.push(phase.phase) }),
    );
    expect(result.indexes).toEqual(range(1, 7));
    expect(result.last).toEqual({ kind: 'status', status: 'SUCCEEDED', lastIndex: 7, sealed: true });
    expect(reads).toEqual([0, 4]);
    expect(opened).toEqual(['ws://api.invalid/ws', 'ws://api.invalid/ws?last_index=5']);
    expect(phases).toEqual(['live', 'reconnecting', 'live']);
  });

  it('drops a connection whose frame skips an index and resumes from the last index before the hole', async () => {
    const { src, reads } = source((since) => page({ events: since === 0 ? [] : events(since + 1, 4), lastIndex: 4 }));
    const { connect } = connections([
      { frames: [events(1, 2), events(4, 4)], outcome: { kind: 'done', status: 'SUCCEEDED', lastIndex: 4 } },
      { frames: [], outcome: { kind: 'done', status: 'SUCCEEDED', lastIndex: 4 } },
    ]);
    const result = await collect(followLog(src, connect, { backoff: FAST }));
    expect(result.indexes).toEqual(range(1, 4));
    expect(reads).toEqual([0, 2]);
  });

  it('a status before its last index arrived is not final: the rest is read before the end', async () => {
    const { src } = source((since) => page({ events: events(since + 1, 3), lastIndex: 3 }));
    const { connect } = connections([
      { frames: [], outcome: { kind: 'done', status: 'FAILED', lastIndex: 5 } },
      { frames: [events(4, 5)], outcome: { kind: 'done', status: 'FAILED', lastIndex: 5 } },
    ]);
    const result = await collect(followLog(src, connect, { backoff: FAST }));
    expect(result.indexes).toEqual(range(1, 5));
    expect(result.last).toMatchObject({ kind: 'status', status: 'FAILED', lastIndex: 5 });
  });

  it('a refused upgrade other than 401/429/5xx is final', async () => {
    const { src } = source(() => page({}));
    const { connect } = connections([
      { frames: [], outcome: { kind: 'refused', status: 404, code: 'EXECUTION_NOT_FOUND', message: 'gone' } },
    ]);
    await expect(collect(followLog(src, connect, { backoff: FAST }))).rejects.toMatchObject({
      status: 404,
      code: 'EXECUTION_NOT_FOUND',
    });
  });

  it('gives up after maxRetries failed attempts in a row that bring no event', async () => {
    const { src, reads } = source(() => page({}));
    const drop = { frames: [], outcome: { kind: 'dropped' as const, reason: 'reset' } };
    const { connect, opened } = connections([drop, drop, drop, drop]);
    await expect(collect(followLog(src, connect, { backoff: FAST, maxRetries: 2 }))).rejects.toMatchObject({
      code: 'TAIL_FAILED',
    });
    expect(opened).toHaveLength(3);
    expect(reads).toHaveLength(3);
  });

  it('retries a read the API fails for now (5xx), and not one it refuses (4xx)', async () => {
    let calls = 0;
    const flaky: FollowSource = {
      executionId: ID,
      readPage: () =>
        ++calls === 1
          ? Promise.reject(new ApiError(503, 'UNAVAILABLE', 'later'))
          : Promise.resolve(page({ status: 'SUCCEEDED', sealed: true, events: events(1, 1), lastIndex: 1 })),
      sealState: () => Promise.resolve({ sealed: true, sealPending: false }),
    };
    const { connect } = connections([]);
    expect((await collect(followLog(flaky, connect, { backoff: FAST }))).indexes).toEqual([1]);

    const refused: FollowSource = {
      ...flaky,
      readPage: () => Promise.reject(new ApiError(404, 'EXECUTION_NOT_FOUND', 'no such execution')),
    };
    await expect(collect(followLog(refused, connect, { backoff: FAST }))).rejects.toMatchObject({ status: 404 });
  });

  it('an unsealed completed log: its read is passed on from the start, then LogNotSealedError or, if accepted, the end', async () => {
    const unsealed = () =>
      page({ status: 'STOPPED', sealPending: false, events: events(1, 2), lastIndex: 2, source: 'cloudwatch' });
    const { connect } = connections([]);
    const seen: number[] = [];
    const error = await (async () => {
      for await (const batch of followLog(source(unsealed).src, connect)) {
        if (batch.kind === 'events') seen.push(...batch.events.map((e) => e.index));
      }
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1, 2]);
    expect(error).toMatchObject({ code: 'LOG_NOT_SEALED', sealPending: false, lastIndex: 2 });

    const accepted = await collect(followLog(source(unsealed).src, connect, { acceptUnsealed: true }));
    expect(accepted).toEqual({
      indexes: [1, 2],
      last: { kind: 'status', status: 'STOPPED', lastIndex: 2, sealed: false },
    });
  });

  it('a completed log whose drain still runs is waited for, then read sealed', async () => {
    let sealed = false;
    const { src, described } = source(
      () =>
        sealed
          ? page({ status: 'SUCCEEDED', sealed: true, sealPending: false, events: events(1, 3), lastIndex: 3 })
          : page({ status: 'SUCCEEDED', events: events(1, 1), lastIndex: 1, source: 'cloudwatch' }),
      { sealed: false, sealPending: true },
    );
    src.sealState = () => {
      described.count++;
      sealed = described.count >= 2;
      return Promise.resolve({ sealed, sealPending: !sealed });
    };
    const result = await collect(followLog(src, connections([]).connect));
    expect(result.indexes).toEqual(range(1, 3));
    expect(result.last).toMatchObject({ status: 'SUCCEEDED', sealed: true });
    expect(described.count).toBe(2);
  });

  it('closes the connection when the consumer stops following', async () => {
    const { src } = source(() => page({}));
    let closedBy: unknown;
    const connect: TailConnect = (_url, handlers, signal) =>
      new Promise((resolve) => {
        handlers.events(events(1, 1));
        signal.addEventListener('abort', () => {
          closedBy = signal.reason;
          resolve({ kind: 'dropped', reason: 'aborted' });
        });
      });
    for await (const batch of followLog(src, connect)) {
      expect(batch).toMatchObject({ kind: 'events' });
      break;
    }
    expect(closedBy).toMatchObject({ code: 'FOLLOW_ENDED' });
  });
});
