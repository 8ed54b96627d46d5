import pino from 'pino';
import { createApi } from '../../../src/api/app';
import { createMetrics } from '../../../src/api/metrics';
import type { ExecutionInfo, ExecutionSpec } from '../../../src/domain';
import type { ExecutionDirectory } from '../../../src/ports';
import { InMemoryLogSource, InMemoryLogStore } from '../../support/fakes';

// The API's side of the ingest mode, in-process against fakes: GET /executions/{id} shows the mode from the
// record, POST writes the record only when the mode is already known (poll configured), and `/logs` on a
// RUNNING execution reads CloudWatch only for a polled one.

const GROUP = '/logstream/executions';
const T0 = 1_700_000_000_000;

/** A directory whose started executions stay RUNNING. */
function runningDirectory(): ExecutionDirectory & { started: ExecutionSpec[] } {
  const started: ExecutionSpec[] = [];
  const refuse = (): Promise<never> => Promise.reject(new Error('not used'));
  return {
    started,
    start: async (spec) => void started.push(spec),
    describe: async (id): Promise<ExecutionInfo | undefined> => {
      const spec = started.find((s) => s.executionId === id);
      return spec && { executionId: id, status: 'RUNNING', startedAt: T0, open: true, location: spec.location };
    },
    list: refuse,
    complete: refuse,
    stop: refuse,
    ping: async () => undefined,
  };
}

function api(ingest: 'auto' | 'push' | 'poll') {
  const store = new InMemoryLogStore();
  const source = new InMemoryLogSource();
  const directory = runningDirectory();
  const app = createApi({
    directory,
    store,
    source,
    metrics: createMetrics(),
    logger: pino({ level: 'silent' }),
    logGroup: GROUP,
    ingest,
    apiKeys: [],
    websocketUrl: () => 'ws://test/ws',
    now: () => T0,
  });
  const post = (body: unknown) =>
    app.request('/executions', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  const get = async <T>(path: string): Promise<T> => {
    const response = await app.request(path);
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };
  return { app, store, source, directory, post, get };
}

interface ExecutionBody {
  ingest: string | null;
  status: string;
}
interface LogsBody {
  source: string;
  events: { index: number; message: string }[];
  last_index: number;
}

describe('the ingest mode in the API', () => {
  test('auto: POST writes no record (registration chooses the mode); GET shows null, then the chosen mode', async () => {
    const { store, post, get } = api('auto');
    expect((await post({ log_group: GROUP, log_stream: 'external/a', execution_id: 'a' })).status).toBe(201);
    expect(await store.getExecution('a')).toBeUndefined();
    expect(await get<ExecutionBody>('/executions/a')).toMatchObject({ status: 'RUNNING', ingest: null });
    await store.registerExecution({
      executionId: 'a',
      location: { logGroup: GROUP, logStreams: ['external/a'] },
      startedAt: T0,
      ingest: 'push',
    });
    expect((await get<ExecutionBody>('/executions/a')).ingest).toBe('push');
  });

  test('poll configured: POST writes the record with its mode, and GET says poll', async () => {
    const { store, post, get } = api('poll');
    expect((await post({ command: ['true'], execution_id: 'm' })).status).toBe(201);
    expect((await store.getExecution('m'))?.ingest).toBe('poll');
    expect((await get<ExecutionBody>('/executions/m')).ingest).toBe('poll');
  });

  test('/logs of a RUNNING push execution serves the store and never reads CloudWatch', async () => {
    const { store, source, post, get } = api('auto');
    await post({ log_group: GROUP, log_stream: 'external/p', execution_id: 'p' });
    source.append(GROUP, 'external/p', ['one', 'two']);
    // Before registration (mode unknown) and after it chose push: the store alone, even while it is empty.
    expect(await get<LogsBody>('/executions/p/logs')).toMatchObject({ source: 'dynamodb', events: [], last_index: 0 });
    await store.registerExecution({
      executionId: 'p',
      location: { logGroup: GROUP, logStreams: ['external/p'] },
      startedAt: T0,
      ingest: 'push',
    });
    expect(await get<LogsBody>('/executions/p/logs')).toMatchObject({ source: 'dynamodb', events: [], last_index: 0 });
    expect(source.calls.GetLogEvents).toBe(0);
    expect(await store.latestChunk('p')).toBeUndefined();
  });

  test('/logs of a RUNNING polled execution still fills an empty store from CloudWatch', async () => {
    const { store, source, post, get } = api('poll');
    await post({ log_group: GROUP, log_stream: 'external/q', execution_id: 'q' });
    source.append(GROUP, 'external/q', ['one', 'two']);
    const page = await get<LogsBody>('/executions/q/logs');
    expect(page).toMatchObject({ source: 'dynamodb', last_index: 2 });
    expect(page.events.map((e) => e.message)).toEqual(['one', 'two']);
    expect((await store.latestChunk('q'))?.last).toBe(2);
  });
});

describe('POST /executions with log_streams', () => {
  const errorOf = async (response: Response): Promise<{ status: number; code: string; message: string }> => {
    const body = (await response.json()) as { error: { code: string; message: string } };
    return { status: response.status, ...body.error };
  };

  test('registers an external execution of several streams, in the order given', async () => {
    const { post, directory } = api('auto');
    const response = await post({ log_group: GROUP, log_streams: ['job/web', 'job/worker'], execution_id: 'two' });
    expect(response.status).toBe(201);
    expect(directory.started.map((spec) => spec.location)).toEqual([
      { logGroup: GROUP, logStreams: ['job/web', 'job/worker'] },
    ]);
  });

  test.each([
    ['an empty list', { log_group: GROUP, log_streams: [] }, /log_streams must be an array of 1-100/],
    ['a repeated stream', { log_group: GROUP, log_streams: ['a', 'a'] }, /names "a" more than once/],
    ['an invalid name', { log_group: GROUP, log_streams: ['a', 'b:c'] }, /log_streams\[1\] must be 1-512 characters/],
    ['both log_stream and log_streams', { log_group: GROUP, log_stream: 'a', log_streams: ['b'] }, /not both/],
    ['log_streams beside a command', { command: ['true'], log_streams: ['a'] }, /not both/],
    ['log_streams without a log group', { log_streams: ['a'] }, /log_group must be/],
  ])('400 for %s, naming the problem', async (_label, body, message) => {
    const { post, directory } = api('auto');
    const error = await errorOf(await post(body));
    expect(error).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
    expect(error.message).toMatch(message);
    expect(directory.started).toEqual([]);
  });
});
