import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { toolchainPaths } from '../../../src/devstack/toolchain';
import { newExecutionId, readAllLogs, startHarness, waitFor, waitSealed, type Harness } from '../../support/harness';

const run = promisify(execFile);

/** Runs the toolchain's `temporal` CLI against the test stack and parses its JSON output. */
async function temporal<T>(args: string[]): Promise<T> {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run through jest, whose global setup exports it');
  const { stdout } = await run(
    toolchainPaths().temporal,
    [...args, '--address', address, '--namespace', process.env.TEMPORAL_NAMESPACE || 'default', '--output', 'json'],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as T;
}

interface ListedWorkflow {
  readonly execution: { readonly workflowId: string };
  readonly status: string;
}

/** `temporal workflow list --query QUERY`, waiting until visibility lists `id` (visibility is eventually consistent). */
function listedUntil(query: string, id: string): Promise<ListedWorkflow> {
  return waitFor(`${id} listed by ${query}`, async () => {
    const listed = await temporal<ListedWorkflow[] | null>(['workflow', 'list', '--query', query]);
    return (listed ?? []).find((w) => w.execution.workflowId === id);
  });
}

interface Payload {
  readonly data: string;
}

/** What `temporal workflow describe --output json` prints, as far as these tests read it. */
interface Described {
  readonly workflowExecutionInfo: {
    readonly searchAttributes: { readonly indexedFields: Readonly<Record<string, Payload | undefined>> };
    readonly memo: { readonly fields: Readonly<Record<string, unknown>> };
  };
  readonly executionConfig: { readonly userMetadata: { readonly summary?: string; readonly details?: string } };
}

describe('executions as the Temporal CLI and UI see them', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('lists a SUCCEEDED execution by LogstreamStatus; describe shows its CompletedAt, memo, summary and details', async () => {
    const id = newExecutionId('ui-ok');
    await h.client.start({ command: ['sh', '-c', 'echo hello from the ui test'], executionId: id });
    const view = await waitSealed(h.client, id);
    expect(view.status).toBe('SUCCEEDED');

    const listed = await listedUntil(`LogstreamStatus='SUCCEEDED' AND WorkflowId='${id}'`, id);
    expect(listed.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');

    const described = await temporal<Described>(['workflow', 'describe', '--workflow-id', id]);
    const info = described.workflowExecutionInfo;
    const completedAt = info.searchAttributes.indexedFields.CompletedAt;
    expect(completedAt && decodedPayload(completedAt)).toBe(new Date(view.completedAt ?? 0).toISOString());
    const status = info.searchAttributes.indexedFields.LogstreamStatus;
    expect(status && decodedPayload(status)).toBe('SUCCEEDED');
    expect(info.memo.fields).toEqual({ log_group: h.config.logGroup, log_streams: [`executions/${id}`] });
    const { summary, details } = described.executionConfig.userMetadata;
    expect(summary).toBe("run: sh -c 'echo hello from the ui test'");
    expect(details).toContain(`[${h.config.apiUrl}/executions/${id}/logs](${h.config.apiUrl}/executions/${id}/logs)`);
    expect(details).toContain(`[${h.config.apiUrl}/executions/${id}/view](${h.config.apiUrl}/executions/${id}/view)`);
  });

  it('shows a job exiting 3 as Failed, with its log still sealed and served', async () => {
    const id = newExecutionId('ui-exit-3');
    await h.client.start({ command: ['sh', '-c', 'echo about to fail; exit 3'], executionId: id });
    const view = await waitSealed(h.client, id);
    expect(view).toMatchObject({ status: 'FAILED', exitCode: 3, sealed: true });

    const listed = await listedUntil(`WorkflowId='${id}'`, id);
    expect(listed.status).toBe('WORKFLOW_EXECUTION_STATUS_FAILED');
    const failed = await listedUntil(
      `ExecutionStatus='Failed' AND LogstreamStatus='FAILED' AND WorkflowId='${id}'`,
      id,
    );
    expect(failed.execution.workflowId).toBe(id);

    const { events, sources } = await readAllLogs(h.client, id);
    expect(events).toEqual([{ index: 1, message: 'about to fail' }]);
    expect(sources).toEqual(new Set(['dynamodb']));
    const page = await h.client.getHandle(id).logs({ sinceIndex: 0 });
    expect(page).toMatchObject({ status: 'FAILED', sealed: true, nextIndex: null });
  });

  it('shows a stopped execution as Canceled, with its log sealed', async () => {
    const id = newExecutionId('ui-stop');
    // Runs until the test stops it.
    await h.client.start({
      command: ['sh', '-c', 'echo waiting to be stopped; while :; do sleep 1; done'],
      executionId: id,
    });
    await waitFor(`${id} first line stored`, async () => {
      const page = await h.client.getHandle(id).logs({ sinceIndex: 0 });
      return page.events.length > 0 ? page : undefined;
    });
    await h.client.getHandle(id).stop();
    const view = await waitSealed(h.client, id);
    expect(view).toMatchObject({ status: 'STOPPED', sealed: true });

    const listed = await listedUntil(`WorkflowId='${id}'`, id);
    expect(listed.status).toBe('WORKFLOW_EXECUTION_STATUS_CANCELED');
    const { events } = await readAllLogs(h.client, id);
    expect(events[0]).toEqual({ index: 1, message: 'waiting to be stopped' });
  });
});

/** The value a search attribute's payload holds (the CLI prints its JSON in base64). */
function decodedPayload(payload: Payload): unknown {
  return JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
}
