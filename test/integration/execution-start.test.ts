import { managedLogStream } from '../../src/domain';
import { LogstreamWorkflowClient } from '../../src/plugin/workflow-client';
import { newExecutionId, startHarness, waitFor, type Harness } from '../support/harness';

// Every start of the execution workflow (the API's, the workflow client's, the helper's child) goes through one set of
// start options: an execution id names one log for good, so a second start of it is refused even once it has closed.
describe('one start of the execution workflow', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const post = (body: unknown): Promise<Response> =>
    fetch(`${h.server.url}/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('refuses a second start of a closed execution through the API and the workflow client: 409, one run', async () => {
    const id = newExecutionId('start-once');
    const first = await post({ command: ['sh', '-c', 'echo only once'], execution_id: id });
    expect(first.status).toBe(201);
    const firstRun = await waitFor('the execution sealed and closed', async () => {
      const view = (await (await fetch(`${h.server.url}/executions/${id}`)).json()) as { sealed?: boolean };
      if (view.sealed !== true) return undefined;
      const description = await h.temporal.workflow.getHandle(id).describe();
      return description.status.name === 'COMPLETED' ? description.runId : undefined;
    });

    const again = await post({ command: ['sh', '-c', 'echo twice'], execution_id: id });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('EXECUTION_EXISTS');

    const client = new LogstreamWorkflowClient({ client: h.temporal, taskQueue: h.config.taskQueue });
    await expect(client.start({ command: ['sh', '-c', 'echo twice'] }, { executionId: id })).rejects.toMatchObject({
      code: 'EXECUTION_EXISTS',
    });

    // The latest run is still the first (describe reads it, with no visibility lag).
    expect((await h.temporal.workflow.getHandle(id).describe()).runId).toBe(firstRun);
  });

  it('refuses through the API the id of an execution whose workflow closed unsealed (terminated): 409, one run', async () => {
    const id = newExecutionId('start-terminated');
    const stream = `external/${id}`;
    const first = await post({ log_group: h.config.logGroup, log_stream: stream, execution_id: id });
    expect(first.status).toBe(201);
    // Closed without a seal: the store does not hold the id as taken, only Temporal's reuse policy does.
    await h.temporal.workflow.getHandle(id).terminate('test: closed unsealed');

    const again = await post({ log_group: h.config.logGroup, log_stream: stream, execution_id: id });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('EXECUTION_EXISTS');
    expect((await h.temporal.workflow.getHandle(id).describe()).status.name).toBe('TERMINATED');
  });

  it('starts an execution through the API with the same memo, task queue and summary as the workflow client', async () => {
    const apiId = newExecutionId('start-api');
    const clientId = newExecutionId('start-client');
    expect((await post({ command: ['sh', '-c', 'echo same shape'], execution_id: apiId })).status).toBe(201);
    const client = new LogstreamWorkflowClient({
      client: h.temporal,
      taskQueue: h.config.taskQueue,
      logGroup: h.config.logGroup,
    });
    await client.start({ command: ['sh', '-c', 'echo same shape'] }, { executionId: clientId });
    const api = await h.temporal.workflow.getHandle(apiId).describe();
    const direct = await h.temporal.workflow.getHandle(clientId).describe();
    expect(await api.staticSummary()).toBe(await direct.staticSummary());
    expect(api.memo).toEqual({ log_group: h.config.logGroup, log_streams: [managedLogStream(apiId)] });
    expect(direct.memo).toEqual({ log_group: h.config.logGroup, log_streams: [managedLogStream(clientId)] });
    expect(api.taskQueue).toBe(h.config.taskQueue);
    expect(direct.taskQueue).toBe(h.config.taskQueue);
  });
});
