import { defaultPayloadConverter, type Client } from '@temporalio/client';
import { TemporalExecutionDirectory } from '../../../../src/adapters/temporal/temporal-execution-directory';
import type { ExecutionTimings } from '../../../../workflows/messages';

// The Temporal directory's listing against a scripted workflow service (no server): visibility's token goes out
// sealed and comes back checked, a token it did not give never reaches Temporal, and raw entries map onto statuses.
// The real dev server is in test/integration/list-paging.test.ts.

interface ListRequest {
  query?: string | null;
  pageSize?: number | null;
  nextPageToken?: Uint8Array | null;
}

const VISIBILITY_TOKEN = Buffer.from('{"CloseTime":"9999-12-31T23:59:59Z","RunID":"r1"}');

function directoryOver(answer: (request: ListRequest) => { executions: unknown[]; nextPageToken?: Uint8Array }) {
  const requests: ListRequest[] = [];
  const client = {
    options: { namespace: 'default' },
    workflowService: {
      listWorkflowExecutions: async (request: ListRequest) => {
        requests.push(request);
        return answer(request);
      },
    },
  };
  const directory = new TemporalExecutionDirectory({
    client: client as unknown as Client,
    taskQueue: 'logstream',
    timings: {} as ExecutionTimings,
    apiUrl: 'http://127.0.0.1:8080',
  });
  return { directory, requests };
}

const seconds = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });

describe('TemporalExecutionDirectory.list', () => {
  test("visibility's token goes out as an opaque page token and comes back as the same bytes", async () => {
    const { directory, requests } = directoryOver((request) =>
      request.nextPageToken ? { executions: [] } : { executions: [], nextPageToken: VISIBILITY_TOKEN },
    );
    const first = await directory.list({ status: 'FAILED', pageSize: 2 });
    expect(first.nextPageToken).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await directory.list({ status: 'FAILED', pageSize: 2, pageToken: first.nextPageToken });
    expect(second).toEqual({ executions: [], nextPageToken: undefined });
    const query =
      "WorkflowType = 'executionWorkflow' AND (LogstreamStatus = 'FAILED' OR " +
      "(LogstreamStatus = 'RUNNING' AND ExecutionStatus IN ('Failed', 'TimedOut')))";
    expect(requests.map((r) => [r.query, r.pageSize])).toEqual([
      [query, 2],
      [query, 2],
    ]);
    expect(Buffer.from(requests[1]?.nextPageToken ?? []).equals(VISIBILITY_TOKEN)).toBe(true);
  });

  test('a token it did not give is an InvalidInputError on page_token, and Temporal is not asked', async () => {
    const { directory, requests } = directoryOver(() => ({ executions: [], nextPageToken: VISIBILITY_TOKEN }));
    const real = (await directory.list({ pageSize: 1 })).nextPageToken ?? '';
    const altered = `${real.slice(0, 5)}${real[5] === 'A' ? 'B' : 'A'}${real.slice(6)}`;
    for (const pageToken of [altered, 'AAECAwQFBgc', VISIBILITY_TOKEN.toString('base64url')]) {
      await expect(directory.list({ pageSize: 1, pageToken })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        field: 'page_token',
      });
    }
    expect(requests).toHaveLength(1);
  });

  test("raw entries map onto statuses: the recorded terminal one, else the workflow's own", async () => {
    const started = Date.UTC(2026, 0, 1);
    const { directory } = directoryOver(() => ({
      executions: [
        {
          execution: { workflowId: 'failed' },
          status: 3,
          startTime: seconds(started + 1500),
          closeTime: seconds(started + 9000),
          searchAttributes: {
            indexedFields: {
              LogstreamStatus: defaultPayloadConverter.toPayload('FAILED'),
              CompletedAt: defaultPayloadConverter.toPayload('2026-01-01T00:00:05.000Z'),
            },
          },
        },
        {
          execution: { workflowId: 'running' },
          status: 1,
          startTime: seconds(started),
          searchAttributes: { indexedFields: { LogstreamStatus: defaultPayloadConverter.toPayload('RUNNING') } },
        },
        {
          execution: { workflowId: 'terminated' },
          status: 5,
          startTime: seconds(started),
          closeTime: seconds(started + 7000),
        },
      ],
    }));
    expect((await directory.list({ pageSize: 3 })).executions).toEqual([
      { executionId: 'failed', status: 'FAILED', startedAt: started + 1500, completedAt: started + 5000, open: false },
      { executionId: 'running', status: 'RUNNING', startedAt: started, completedAt: undefined, open: true },
      { executionId: 'terminated', status: 'STOPPED', startedAt: started, completedAt: started + 7000, open: false },
    ]);
  });
});
