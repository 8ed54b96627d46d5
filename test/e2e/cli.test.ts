import { spawn } from 'node:child_process';
import { findFreePort } from '../../src/devstack/local-stack';
import { CLI_BIN, runCli } from '../support/cli-process';
import { newExecutionId, startHarness, waitFor, waitSealed, type Harness } from '../support/harness';

describe('the logstream CLI against a running API', () => {
  let h: Harness;
  const cli = (...args: string[]) => runCli(h.server.url, ...args);
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('run follows the job, prints its lines and mirrors success and failure in its exit code', async () => {
    const ok = await cli('run', '--', 'sh', '-c', 'echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('one\ntwo\nthree\n');
    expect(ok.stderr).toMatch(/SUCCEEDED/);
    const failed = await cli('run', '--', 'sh', '-c', 'echo bad; exit 7');
    expect(failed.status).toBe(7);
    expect(failed.stdout).toBe('bad\n');
    expect(failed.stderr).toMatch(/FAILED/);
  });

  it('logs prints a completed log once, as text or JSON lines, from an index', async () => {
    const id = newExecutionId('cli-logs');
    await h.client.start({ command: ['sh', '-c', 'for i in 1 2 3 4; do echo "l$i"; done'], executionId: id });
    await waitSealed(h.client, id);
    expect((await cli('logs', id)).stdout).toBe('l1\nl2\nl3\nl4\n');
    const json = await cli('logs', id, '--since-index', '2', '--json');
    expect(json.status).toBe(0);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      { index: 3, timestamp: expect.any(Number), stream: 'stdout', message: 'l3' },
      { index: 4, timestamp: expect.any(Number), stream: 'stdout', message: 'l4' },
    ]);
    const status = await cli('status', id);
    expect(JSON.parse(status.stdout)).toMatchObject({ executionId: id, status: 'SUCCEEDED', sealed: true });
  });

  it("logs --stream keeps the named streams (repeatable) and --prefix shows each line's stream", async () => {
    const id = newExecutionId('cli-streams');
    await h.client.start({ command: ['sh', '-c', 'echo out; echo err >&2'], executionId: id });
    await waitSealed(h.client, id);
    const stderr = await cli('logs', id, '--stream', 'stderr', '--prefix', '--no-color');
    expect(stderr.status).toBe(0);
    expect(stderr.stdout).toBe('[stderr] err\n');
    const both = await cli('logs', id, '--stream', 'stdout', '--stream', 'stderr', '--prefix', '--no-color');
    expect(both.stdout.split('\n').sort()).toEqual(['', '[stderr] err', '[stdout] out']);
    expect((await cli('logs', id, '--stream', 'nothing')).stdout).toBe('');
    const twice = await cli('logs', id, '--stream', 'stderr', '--stream', 'stderr');
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/--stream stderr is given twice/);
  });

  it('run --detach returns the id at once; stop ends it STOPPED; logs --follow waits for the end', async () => {
    // The job runs until the test stops it, and is stopped only once its first line is stored.
    const detached = await cli('run', '--detach', '--', 'sh', '-c', 'echo waiting; while :; do sleep 1; done');
    expect(detached.status).toBe(0);
    const id = detached.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor('the first line stored', async () =>
      (await h.client.getHandle(id).describe()).lastIndex >= 1 ? true : undefined,
    );
    expect(await cli('stop', id)).toMatchObject({ status: 0, stdout: `${id} STOPPED\n` });
    const followed = await cli('logs', id, '--follow');
    expect(followed).toMatchObject({ status: 0, stdout: 'waiting\n' });
  });

  it('run exits 130 when the execution is STOPPED, after printing what the job printed', async () => {
    const id = newExecutionId('cli-stopped');
    const running = cli('run', '--id', id, '--', 'sh', '-c', 'echo started; while :; do sleep 1; done');
    await waitFor('the first line stored', async () =>
      (await h.client.getHandle(id).describe()).lastIndex >= 1 ? true : undefined,
    );
    await h.client.getHandle(id).stop();
    const stopped = await running;
    expect(stopped).toMatchObject({ status: 130, stdout: 'started\n' });
    expect(stopped.stderr).toMatch(/STOPPED/);
  });

  it('names the URL, its variable and the fix in one line when the API cannot be reached', async () => {
    const port = await findFreePort();
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_BIN, 'status', 'some-id'], {
      env: { PATH: process.env.PATH, LOGSTREAM_URL: `http://127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(status).toBe(3);
    expect(stderr).toMatch(
      new RegExp(
        `^logstream: cannot reach http://127\\.0\\.0\\.1:${port}: .* \\(LOGSTREAM_URL or --url\\)\\. Fix: .*\\n$`,
      ),
    );
  });

  it('refuses bad input with a clear message and a usage exit code', async () => {
    expect(await cli('logs', '../etc')).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/ID may contain only/),
    });
    expect((await cli('logs', 'abc', '--since-index', '-1')).status).toBe(2);
    expect((await cli('frobnicate')).status).toBe(2);
    const missing = await cli('status', 'no-such-execution-here');
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/EXECUTION_NOT_FOUND/);
  });
});
