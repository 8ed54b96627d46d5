import { followAll } from '../support/follow-all';
import { WebSocket } from 'ws';
import { LogNotSealedError } from '../../src/client/client';
import { startHarness, waitFor, waitSealed, type Harness } from '../support/harness';
import { runCli } from '../support/cli-process';
import { runningExternal } from '../support/external-job';

/** Completeness is a promise: only a sealed log is presented as the whole log, by every reader. */
describe('completeness is a promise', () => {
  let h: Harness;
  const cli = (...args: string[]) => runCli(h.server.url, ...args);

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('a workflow terminated before its seal: /logs serves CloudWatch marked unsealed, the CLI and the tail say so', async () => {
    const lines = ['first', 'second', 'third'];
    const id = await runningExternal(h, 'terminated', lines);

    // A tail open while it runs, and a client following it.
    const page = await h.client.getHandle(id).logs();
    expect(page).toMatchObject({ status: 'RUNNING', sealed: false, sealPending: true, source: 'dynamodb' });
    const socket = new WebSocket(page.websocketUrl ?? '');
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    const messages: { type: string }[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as { type: string }));
    await new Promise((resolve) => socket.once('open', resolve));
    const followed: number[] = [];
    const following = followAll(h.client.getHandle(id), (event) => followed.push(event.index)).catch(
      (error: unknown) => error,
    );

    await h.temporal.workflow.getHandle(id).terminate('test: gone before the seal');

    const view = await waitFor('the terminated status', async () => {
      const status = await h.client.getHandle(id).describe();
      return status.status === 'STOPPED' ? status : undefined;
    });
    expect(view).toMatchObject({ sealed: false, sealPending: false });
    const after = await h.client.getHandle(id).logs();
    expect(after).toMatchObject({
      status: 'STOPPED',
      sealed: false,
      sealPending: false,
      source: 'cloudwatch',
      websocketUrl: null,
      nextIndex: null,
    });
    expect(after.events.map((e) => e.message)).toEqual(lines);

    // The tail never sends a status it cannot promise: it closes with a reason saying why.
    expect(await closed).toEqual({ code: 4010, reason: expect.stringMatching(/^LOG_NOT_SEALED: /) });
    expect(messages.filter((m) => m.type === 'status')).toEqual([]);
    const error = await following;
    expect(error).toBeInstanceOf(LogNotSealedError);
    expect(error).toMatchObject({ code: 'LOG_NOT_SEALED', sealPending: false, lastIndex: 3 });
    expect(followed).toEqual([1, 2, 3]);

    // The CLI prints what CloudWatch holds, then says plainly that it is not the sealed log.
    for (const args of [
      ['logs', id],
      ['logs', id, '--follow'],
    ]) {
      const result = await cli(...args);
      expect({ args, status: result.status }).toEqual({ args, status: 4 });
      expect(result.stderr).toMatch(/^logstream: log not sealed yet: .*will not be sealed/m);
    }
    expect((await cli('logs', id)).stdout).toBe('first\nsecond\nthird\n');
  });

  it('a running execution read without --follow is not presented as its whole log', async () => {
    const id = await runningExternal(h, 'still-running', ['so far']);
    const result = await cli('logs', id);
    expect(result.status).toBe(4);
    expect(result.stdout).toBe('so far\n');
    expect(result.stderr).toMatch(/^logstream: log not sealed yet: .*RUNNING/m);
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
  });

  it('a sealed log is served from DynamoDB marked sealed, and the CLI exits 0', async () => {
    const id = await runningExternal(h, 'sealed', ['only line']);
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
    await waitSealed(h.client, id);
    expect(await h.client.getHandle(id).logs()).toMatchObject({
      status: 'SUCCEEDED',
      sealed: true,
      sealPending: false,
      source: 'dynamodb',
      events: [{ index: 1, message: 'only line' }],
    });
    const result = await cli('logs', id);
    expect(result).toMatchObject({ status: 0, stdout: 'only line\n' });
  });
});
