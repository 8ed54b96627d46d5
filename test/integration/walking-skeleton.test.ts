import { newExecutionId, readAllLogs, startHarness, waitFor, waitSealed, type Harness } from '../support/harness';

describe('walking skeleton on the real local stack', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('runs a 5,000-line command (some on stderr) and serves exactly its lines, indexes 1..5000', async () => {
    const script = [
      'i=1',
      'while [ $i -le 5000 ]; do',
      '  if [ $((i % 10)) -eq 0 ]; then echo "err $i" >&2; else echo "out $i"; fi',
      '  i=$((i+1))',
      'done',
    ].join('\n');
    const id = newExecutionId('five-k');
    // The wire answer of POST /executions itself (the client turns it into a handle).
    const started = await fetch(`${h.server.url}/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command: ['sh', '-c', script], execution_id: id }),
    });
    expect(started.status).toBe(201);
    expect(await started.json()).toEqual({ execution_id: id, status: 'RUNNING', logs_url: `/executions/${id}/logs` });

    const view = await waitSealed(h.client, id);
    expect(view.status).toBe('SUCCEEDED');
    expect(view.lastIndex).toBe(5000);

    const { events, sources } = await readAllLogs(h.client, id);
    expect(sources).toEqual(new Set(['dynamodb']));
    expect(events.map((e) => e.index)).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    const messages = events.map((e) => e.message);
    const expected = Array.from({ length: 5000 }, (_, i) => ((i + 1) % 10 === 0 ? `err ${i + 1}` : `out ${i + 1}`));
    expect([...messages].sort()).toEqual([...expected].sort());
    const stdout = messages.filter((m) => m.startsWith('out '));
    expect(stdout).toEqual(expected.filter((m) => m.startsWith('out ')));
    const stderr = messages.filter((m) => m.startsWith('err '));
    expect(stderr).toEqual(expected.filter((m) => m.startsWith('err ')));
  });

  it('marks a command exiting 3 as FAILED, with its output kept', async () => {
    const id = newExecutionId('exit-3');
    await h.client.start({ command: ['sh', '-c', 'echo before failing; exit 3'], executionId: id });
    const view = await waitSealed(h.client, id);
    expect(view).toMatchObject({ status: 'FAILED', exitCode: 3 });
    const { events } = await readAllLogs(h.client, id);
    expect(events).toEqual([{ index: 1, message: 'before failing' }]);
  });

  it('reports a command that cannot start as FAILED and says why in its log', async () => {
    const id = newExecutionId('no-such-command');
    await h.client.start({ command: ['/nonexistent/command-xyz'], executionId: id });
    const view = await waitSealed(h.client, id);
    expect(view.status).toBe('FAILED');
    const { events } = await readAllLogs(h.client, id);
    expect(events).toHaveLength(1);
    expect(events[0]?.message).toMatch(/cannot run "\/nonexistent\/command-xyz".*ENOENT/);
  });

  it('answers 404 for an unknown id and 400 for malformed ids, as JSON errors', async () => {
    const unknown = await fetch(`${h.server.url}/executions/no-such-execution-${Date.now()}/logs`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { code: 'EXECUTION_NOT_FOUND', message: expect.any(String) } });

    for (const bad of ['x'.repeat(129), '..%2Fx', '%2E%2E%2Fx', 'a%01b', 'a%0Ab', '%00']) {
      const response = await fetch(`${h.server.url}/executions/${bad}/logs`);
      expect({ bad, status: response.status }).toEqual({ bad, status: 400 });
      expect(await response.json()).toEqual({ error: { code: 'INVALID_INPUT', message: expect.any(String) } });
    }
    const status = await fetch(`${h.server.url}/executions/${'y'.repeat(200)}`);
    expect(status.status).toBe(400);
  });

  it('lists executions newest first, filtered by status', async () => {
    const older = newExecutionId('list-older');
    await h.client.start({ command: ['sh', '-c', 'exit 1'], executionId: older });
    await waitSealed(h.client, older);
    const newer = newExecutionId('list-newer');
    await h.client.start({ command: ['sh', '-c', 'exit 2'], executionId: newer });
    await waitSealed(h.client, newer);
    type Listing = { executions: { execution_id: string; status: string }[] };
    const list = async (query: string): Promise<Listing> =>
      (await fetch(`${h.server.url}/executions${query}`)).json() as Promise<Listing>;
    // Visibility is eventually consistent: wait until both are indexed with their status.
    const failed = await waitFor('both FAILED executions listed', async () => {
      const page = await list('?status=FAILED&limit=1000');
      const ids = page.executions.map((e) => e.execution_id);
      return ids.includes(older) && ids.includes(newer) ? page : undefined;
    });
    expect(failed.executions.every((e) => e.status === 'FAILED')).toBe(true);
    const ids = failed.executions.map((e) => e.execution_id);
    expect(ids.indexOf(newer)).toBeLessThan(ids.indexOf(older));
    const succeeded = await list('?status=SUCCEEDED&limit=1000');
    expect(succeeded.executions.some((e) => e.execution_id === newer)).toBe(false);
    expect((await list('?limit=1')).executions).toHaveLength(1);
  });

  it('is healthy and ready when Temporal, DynamoDB and CloudWatch answer', async () => {
    expect((await fetch(`${h.server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });
});
