import type { ExecutionListEntry } from '../../src/client/client';
import type { ExecutionListView } from '../../src/contract';
import { LogstreamWorkflowClient } from '../../src/plugin';
import { newExecutionId, startHarness, waitFor, type Harness } from '../support/harness';

// GET /executions pages with Temporal visibility's own token, and the client's list() walks the pages: on the real
// stack, with more executions than a page holds. The namespace also holds other tests' executions; these assertions
// are about this test's own, which keep their state while they are listed (visibility is eventually consistent:
// the test waits until the listing shows what it started).

const PAGE = 2;

/** Every entry of an async iterable. */
async function collect(iterable: AsyncIterable<ExecutionListEntry>): Promise<ExecutionListEntry[]> {
  const entries: ExecutionListEntry[] = [];
  for await (const entry of iterable) entries.push(entry);
  return entries;
}

/** `GET /executions` with the query, followed page by page over `next_page_token`. */
async function restPages(h: Harness, query: string): Promise<ExecutionListView[]> {
  const pages: ExecutionListView[] = [];
  let token: string | null = null;
  do {
    const path: string = `/executions?${query}${token === null ? '' : `&page_token=${token}`}`;
    const response = await fetch(`${h.server.url}${path}`);
    expect(response.status).toBe(200);
    const page = (await response.json()) as ExecutionListView;
    expect(page.executions.length).toBeLessThanOrEqual(PAGE);
    pages.push(page);
    token = page.next_page_token;
  } while (token !== null);
  return pages;
}

/** The ids of `ids` in the order the listing has them. */
function inListedOrder(listed: readonly { execution_id: string }[] | readonly string[], ids: readonly string[]) {
  const order = listed.map((entry) => (typeof entry === 'string' ? entry : entry.execution_id));
  return order.filter((id) => ids.includes(id));
}

describe('GET /executions pages, and list() yields every page', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('running executions over pages of 2: each exactly once, newest first, in REST and in list()', async () => {
    const started: string[] = [];
    for (let i = 0; i < 5; i++) {
      const executionId = newExecutionId('paged');
      // External executions stay RUNNING until they are completed: their order cannot move while they are listed.
      await h.client.start({ logGroup: h.config.logGroup, logStream: `external/${executionId}`, executionId });
      started.push(executionId);
    }
    const newestFirst = [...started].reverse();
    await waitFor('the listing to show every started execution', async () => {
      const listed = (await collect(h.client.list({ status: 'RUNNING', pageSize: PAGE }))).map((e) => e.executionId);
      return started.every((id) => listed.includes(id)) ? true : undefined;
    });

    const pages = await restPages(h, `status=RUNNING&limit=${PAGE}`);
    const entries = pages.flatMap((page) => page.executions);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(new Set(entries.map((e) => e.execution_id)).size).toBe(entries.length);
    expect(inListedOrder(entries, started)).toEqual(newestFirst);
    expect(entries.every((e) => e.status === 'RUNNING')).toBe(true);

    const yielded = (await collect(h.client.list({ status: 'RUNNING', pageSize: PAGE }))).map((e) => e.executionId);
    expect(new Set(yielded).size).toBe(yielded.length);
    expect(inListedOrder(yielded, started)).toEqual(newestFirst);
    // Unfiltered, they are there too, in the same order.
    const all = (await collect(h.client.list({ pageSize: PAGE }))).map((e) => e.executionId);
    expect(inListedOrder(all, started)).toEqual(newestFirst);

    // A total limit stops after that many, whatever the page size.
    expect(await collect(h.client.list({ status: 'RUNNING', pageSize: PAGE, limit: 3 }))).toHaveLength(3);

    // A workflow terminated behind logstream's back still records RUNNING: it lists as STOPPED, and not as RUNNING.
    const [terminated = '', ...others] = started;
    await h.temporal.workflow.getHandle(terminated).terminate('terminated by the test');
    await waitFor('the terminated execution to list as STOPPED', async () => {
      const stopped = await collect(h.client.list({ status: 'STOPPED' }));
      return stopped.some((e) => e.executionId === terminated) ? true : undefined;
    });
    const running = await collect(h.client.list({ status: 'RUNNING' }));
    expect(running.map((e) => e.executionId)).not.toContain(terminated);
    expect(running.every((e) => e.status === 'RUNNING')).toBe(true);
    // The Temporal-native client reads and filters it by the same rule.
    const native = new LogstreamWorkflowClient({ client: h.temporal });
    expect((await native.getHandle(terminated).describe()).status).toBe('STOPPED');
    const nativeList = async (status: 'RUNNING' | 'STOPPED') => {
      const ids: string[] = [];
      for await (const e of native.list({ status, query: `WorkflowId = '${terminated}'` })) ids.push(e.executionId);
      return ids;
    };
    expect(await nativeList('STOPPED')).toEqual([terminated]);
    expect(await nativeList('RUNNING')).toEqual([]);
    for (const executionId of others) await h.client.getHandle(executionId).stop();
  });

  test('a status filter pages too: every FAILED execution once, newest first, no other status', async () => {
    const failed: string[] = [];
    const succeeded: string[] = [];
    for (let i = 0; i < 3; i++) failed.push((await h.client.start({ command: ['sh', '-c', 'exit 3'] })).executionId);
    for (let i = 0; i < 2; i++) succeeded.push((await h.client.start({ command: ['true'] })).executionId);
    const ids = [...failed, ...succeeded];
    // Closed, and closed in visibility too (a FAILED status is recorded before the seal, the close comes after it):
    // until then an entry sorts with the running ones.
    for (const executionId of ids)
      await h.temporal.workflow
        .getHandle(executionId)
        .result()
        .catch(() => undefined);
    await waitFor('visibility to show the executions closed', async () => {
      const query = `ExecutionStatus != 'Running' AND WorkflowId IN (${ids.map((id) => `'${id}'`).join(', ')})`;
      return (await h.temporal.workflow.count(query)).count === ids.length ? true : undefined;
    });
    await waitFor('the listing to show every failed execution as FAILED', async () => {
      const listed = (await collect(h.client.list({ status: 'FAILED', pageSize: PAGE }))).map((e) => e.executionId);
      return failed.every((id) => listed.includes(id)) ? true : undefined;
    });
    // Closed executions come most recently closed first. Two can close in the same millisecond (the times describe()
    // gives): their order is visibility's own tie-break, so the check is on the close times, in listed order.
    const closedAt = new Map<string, number>();
    for (const executionId of failed) {
      const description = await h.temporal.workflow.getHandle(executionId).describe();
      closedAt.set(executionId, description.closeTime?.getTime() ?? 0);
    }
    const newestFirst = [...closedAt.values()].sort((a, b) => b - a);
    const closeTimes = (listed: readonly string[]) => listed.map((id) => closedAt.get(id));

    const entries = (await restPages(h, `status=FAILED&limit=${PAGE}`)).flatMap((page) => page.executions);
    expect(new Set(entries.map((e) => e.execution_id)).size).toBe(entries.length);
    expect(entries.every((e) => e.status === 'FAILED')).toBe(true);
    expect(inListedOrder(entries, failed)).toHaveLength(failed.length);
    expect(closeTimes(inListedOrder(entries, failed))).toEqual(newestFirst);
    expect(inListedOrder(entries, succeeded)).toEqual([]);

    const yielded = await collect(h.client.list({ status: 'FAILED', pageSize: PAGE }));
    expect(yielded.every((e) => e.status === 'FAILED')).toBe(true);
    const yieldedFailed = inListedOrder(
      yielded.map((e) => e.executionId),
      failed,
    );
    expect(yieldedFailed).toHaveLength(failed.length);
    expect(closeTimes(yieldedFailed)).toEqual(newestFirst);
  });

  test('a page_token the API did not give is a 400 INVALID_INPUT, and the server keeps serving', async () => {
    const first = (await (await fetch(`${h.server.url}/executions?limit=1`)).json()) as ExecutionListView;
    const real = first.next_page_token;
    expect(real).not.toBeNull();
    // One character of the visibility token changed (not the last, whose low bits base64url may ignore).
    const altered = `${real?.slice(0, 10) ?? ''}${real?.[10] === 'A' ? 'B' : 'A'}${real?.slice(11) ?? ''}`;
    for (const token of ['%25%25%25', 'AAECAwQFBgc', 'x'.repeat(5000), altered]) {
      const response = await fetch(`${h.server.url}/executions?page_token=${token}`);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect({ token, status: response.status }).toEqual({ token, status: 400 });
      expect(body.error.code).toBe('INVALID_INPUT');
      expect(body.error.message).toMatch(/page_token/);
    }
    expect((await fetch(`${h.server.url}/executions?limit=1&page_token=${real ?? ''}`)).status).toBe(200);
  });
});
