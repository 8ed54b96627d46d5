import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCli, type CliRun } from '../support/cli-process';
import { newExecutionId, startHarness, waitFor, waitSealed, type Harness } from '../support/harness';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/;
const ISO = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';

/** The CLI as a log viewer, run as a process against the API of the real local stack. */
describe('logstream as a log viewer', () => {
  let h: Harness;
  let dir: string;
  const start = (args: string[], env: Record<string, string> = {}): CliRun => startCli(h.server.url, args, env);
  const cli = (...args: string[]) => start(args).done;

  beforeAll(async () => {
    h = await startHarness();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logstream-cli-viewer-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await h?.stop();
  });

  /** Registers an external execution (it runs until completed) and writes `messages` at the given times. */
  async function external(prefix: string, events: { timestamp: number; message: string }[]): Promise<string> {
    const id = newExecutionId(prefix);
    const stream = `external/${id}`;
    await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
    await h.aws.source.createStream(h.config.logGroup, stream);
    await h.aws.source.putEvents(h.config.logGroup, stream, events);
    await waitFor(`${id} stored`, async () =>
      (await h.client.getHandle(id).describe()).lastIndex === events.length ? true : undefined,
    );
    return id;
  }

  let sealedId: string;
  const jobLines = Array.from({ length: 300 }, (_, i) => (i % 10 === 9 ? `ERROR ${i + 1}` : `ok ${i + 1}`));

  it('logs ID --grep ERROR --timestamps --tail 20: the last 20 matching lines, each with its ISO UTC time', async () => {
    sealedId = newExecutionId('viewer');
    await h.client.start({
      command: [
        'sh',
        '-c',
        'i=1; while [ $i -le 300 ]; do if [ $((i % 10)) -eq 0 ]; then echo "ERROR $i"; else echo "ok $i"; fi; i=$((i+1)); done',
      ],
      executionId: sealedId,
    });
    await waitSealed(h.client, sealedId);
    const stored = await h.client.getHandle(sealedId).logs();
    expect(stored.events.map((e) => e.message)).toEqual(jobLines);

    const result = await cli('logs', sealedId, '--grep', 'ERROR', '--timestamps', '--tail', '20');
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const expected = stored.events
      .filter((e) => e.message.startsWith('ERROR'))
      .slice(-20)
      .map((e) => `${new Date(e.timestamp).toISOString()} ${e.message}`);
    expect(expected).toHaveLength(20);
    expect(expected[0]).toMatch(new RegExp(`^${ISO} ERROR 110$`));
    expect(result.stdout).toBe(`${expected.join('\n')}\n`);

    expect((await cli('logs', sealedId, '-g', 'error 30\\d', '-i')).stdout).toBe('ERROR 300\n');
    // -g is --grep; --tail 0 prints nothing; colour only when asked (the CLI's stdout is not a terminal).
    expect((await cli('logs', sealedId, '-g', 'ERROR 29\\d', '--tail', '1')).stdout).toBe('ERROR 290\n');
    expect(await cli('logs', sealedId, '--tail', '0')).toMatchObject({ status: 0, stdout: '' });
    expect((await cli('logs', sealedId, '--tail', '1')).stdout).not.toMatch(ANSI);
    const coloured = await cli('logs', sealedId, '--grep', 'ERROR', '--tail', '1', '--color', '--timestamps');
    expect(coloured.stdout).toContain('\u001b[1;31mERROR\u001b[22;39m 300\n');
    expect(coloured.stdout).toMatch(new RegExp(`^\u001b\\[2m${ISO}\u001b\\[22m `));
    const noColor = await start(['logs', sealedId, '--grep', 'ERROR', '--tail', '1'], { NO_COLOR: '1' }).done;
    expect(noColor.stdout).toBe('ERROR 300\n');
  });

  it('--since and --until keep the lines written in between; --since in the future prints nothing', async () => {
    const t0 = Date.now() - 60 * 60_000;
    const id = await external(
      'viewer-times',
      Array.from({ length: 10 }, (_, i) => ({ timestamp: t0 + i * 60_000, message: `minute ${i}` })),
    );
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
    await waitSealed(h.client, id);
    const iso = (ms: number): string => new Date(ms).toISOString();
    expect(await cli('logs', id, '--since', iso(t0 + 3 * 60_000), '--until', iso(t0 + 5 * 60_000))).toMatchObject({
      status: 0,
      stdout: 'minute 3\nminute 4\nminute 5\n',
    });
    // Relative: the events are 60..51 minutes old.
    expect((await cli('logs', id, '--since', '55m')).stdout).toBe('minute 6\nminute 7\nminute 8\nminute 9\n');
    expect((await cli('logs', id, '--until', '58m')).stdout).toBe('minute 0\nminute 1\nminute 2\n');
    const future = iso(Date.now() + 60 * 60_000);
    expect(await cli('logs', id, '--since', future)).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(await cli('logs', id, '--since', future, '--tail', '5')).toMatchObject({ status: 0, stdout: '' });
  });

  it('--tail N --follow prints the last N lines of a running log, then streams the rest until it is sealed', async () => {
    const now = Date.now();
    const id = await external(
      'viewer-follow',
      Array.from({ length: 30 }, (_, i) => ({ timestamp: now, message: `before ${i + 1}` })),
    );
    const following = start(['logs', id, '--tail', '3', '--follow']);
    await waitFor('the tail printed', async () => (following.stdout().split('\n').length > 3 ? true : undefined));
    await h.aws.source.putEvents(h.config.logGroup, `external/${id}`, [
      { timestamp: Date.now(), message: 'after 1' },
      { timestamp: Date.now(), message: 'after 2' },
    ]);
    await waitFor(`${id} stored`, async () =>
      (await h.client.getHandle(id).describe()).lastIndex === 32 ? true : undefined,
    );
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
    expect(await following.done).toMatchObject({
      status: 0,
      stdout: 'before 28\nbefore 29\nbefore 30\nafter 1\nafter 2\n',
    });
  });

  it('a reader that goes away (logs --follow | head -1) ends the CLI quietly with exit 0', async () => {
    const id = await external('viewer-pipe', [{ timestamp: Date.now(), message: 'first' }]);
    const following = start(['logs', id, '--follow']);
    await waitFor('the first line', async () => (following.stdout() === 'first\n' ? true : undefined));
    following.child.stdout?.destroy();
    await h.aws.source.putEvents(h.config.logGroup, `external/${id}`, [{ timestamp: Date.now(), message: 'second' }]);
    const ended = await following.done;
    expect({ status: ended.status, stderr: ended.stderr }).toEqual({ status: 0, stderr: '' });
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
  });

  it('exits only once its output is flushed: a slow reader of a pipe still gets every line', async () => {
    // 20,000 lines of 60 bytes: far more than a pipe holds. The reader does not read until the CLI has
    // said how the execution ended (on stderr), so everything after the pipe's capacity is still queued.
    const pad = '.'.repeat(50);
    const running = start(['run', '--', 'sh', '-c', `seq 1 20000 | sed 's/$/ ${pad}/'`]);
    running.child.stdout?.pause();
    let stderr = '';
    running.child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
    await waitFor('the CLI reporting the end', async () => (/SUCCEEDED/.test(stderr) ? true : undefined), 120_000);
    running.child.stdout?.resume();
    const ended = await running.done;
    expect(ended.status).toBe(0);
    const lines = ended.stdout.split('\n');
    expect(lines).toHaveLength(20_001);
    expect(lines[19_999]).toBe(`20000 ${pad}`);
  });

  it('-o FILE writes the log atomically and says so; an unsealed log is written and said not to be whole', async () => {
    const file = path.join(dir, 'viewer.log');
    fs.writeFileSync(file, 'previous content\n');
    const written = await cli('logs', sealedId, '-o', file);
    expect(written).toMatchObject({ status: 0, stdout: '' });
    expect(written.stderr).toBe(`logstream: wrote 300 lines to ${file} (SUCCEEDED, sealed)\n`);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${jobLines.join('\n')}\n`);
    const grepped = path.join(dir, 'errors.log');
    expect(await cli('logs', sealedId, '--output', grepped, '--grep', 'ERROR 1\\d\\d$', '--color')).toMatchObject({
      status: 0,
    });
    expect(fs.readFileSync(grepped, 'utf8')).toBe(
      'ERROR 100\nERROR 110\nERROR 120\nERROR 130\nERROR 140\nERROR 150\nERROR 160\nERROR 170\nERROR 180\nERROR 190\n',
    );

    // A workflow terminated before its seal: what CloudWatch holds is written, and the CLI exits 4.
    const id = await external('viewer-unsealed', [
      { timestamp: Date.now(), message: 'one' },
      { timestamp: Date.now(), message: 'two' },
    ]);
    await h.temporal.workflow.getHandle(id).terminate('test: gone before the seal');
    await waitFor('the terminated status', async () =>
      (await h.client.getHandle(id).describe()).status === 'STOPPED' ? true : undefined,
    );
    const partial = path.join(dir, 'partial.log');
    const unsealed = await cli('logs', id, '-o', partial);
    expect(unsealed.status).toBe(4);
    expect(fs.readFileSync(partial, 'utf8')).toBe('one\ntwo\n');
    expect(unsealed.stderr).toMatch(
      /^logstream: wrote 2 lines to .*partial\.log: not provably the whole log \(not sealed\)$/m,
    );
    expect(unsealed.stderr).toMatch(/^logstream: log not sealed yet: .*will not be sealed/m);
    expect(fs.readdirSync(dir).sort()).toEqual(['errors.log', 'partial.log', 'viewer.log']);
  });

  it('list: a table of executions, newest first; --status keeps one status', async () => {
    const ok = newExecutionId('list-ok');
    const failed = newExecutionId('list-failed');
    await h.client.start({ command: ['sh', '-c', 'echo fine'], executionId: ok });
    await waitSealed(h.client, ok);
    await h.client.start({ command: ['sh', '-c', 'exit 3'], executionId: failed });
    await waitSealed(h.client, failed);

    // Temporal's visibility is eventually consistent: wait until both are listed with their final status.
    const listed = await waitFor('both executions listed as completed', async () => {
      const result = await cli('list', '--limit', '1000');
      const rows = result.stdout.split('\n');
      const okRow = rows.findIndex((row) => row.startsWith(`${ok} `) && /\bSUCCEEDED\b/.test(row));
      const failedRow = rows.findIndex((row) => row.startsWith(`${failed} `) && /\bFAILED\b/.test(row));
      return okRow > 0 && failedRow > 0 ? { result, rows, okRow, failedRow } : undefined;
    });
    expect(listed.result.status).toBe(0);
    expect(listed.rows[0]).toMatch(/^EXECUTION ID +STATUS +STARTED +COMPLETED$/);
    expect(listed.failedRow).toBeLessThan(listed.okRow);
    expect(listed.rows[listed.okRow]).toMatch(new RegExp(`^${ok} +SUCCEEDED +\\S+Z +\\S+Z$`));
    expect(listed.result.stdout).not.toMatch(ANSI);

    const succeeded = await waitFor('the SUCCEEDED filter listing the execution', async () => {
      const result = await cli('list', '--status', 'SUCCEEDED', '--limit', '1000');
      return result.stdout.includes(ok) ? result : undefined;
    });
    const rows = succeeded.stdout.trimEnd().split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/^\S+ +SUCCEEDED +/);
    expect(succeeded.stdout).not.toContain(failed);

    const json = await cli('list', '--status', 'failed', '--json', '--limit', '1000');
    const parsed = json.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { executionId: string; status: string });
    expect(parsed.find((e) => e.executionId === failed)).toMatchObject({ status: 'FAILED' });
    expect(new Set(parsed.map((e) => e.status))).toEqual(new Set(['FAILED']));
  });

  it('refuses every bad flag with a clear message and exit 2, before reading anything', async () => {
    const cases: [string[], RegExp][] = [
      [['logs', 'some-id', '--grep', '('], /--grep "\(" is not a valid regular expression/],
      [['logs', 'some-id', '--grep', ''], /--grep needs a non-empty pattern/],
      [['logs', 'some-id', '--ignore-case'], /--ignore-case applies to --grep/],
      [['logs', 'some-id', '--tail', '-1'], /option '--tail <n>' argument '-1' is invalid\. must be a whole number/],
      [['logs', 'some-id', '--tail', 'ten'], /must be a whole number of lines/],
      [['logs', 'some-id', '--since', 'yesterday'], /--since must be a duration back from now .* or an ISO 8601 time/],
      [['logs', 'some-id', '--until', '2026-02-30'], /--until must be a duration/],
      [['logs', 'some-id', '--since', '1h', '--until', '2h'], /--since is after --until/],
      [['logs', 'some-id', '--follow', '--until', '1h'], /--until .* --follow/],
      [['logs', 'some-id', '--json', '--timestamps'], /--timestamps does not apply to --json/],
      [['logs', 'some-id', '-o', path.join(dir, 'missing', 'x.log')], /the directory .* does not exist/],
      [['logs', 'some-id', '-o', dir], /is a directory/],
      [['logs', 'some-id', '--bogus'], /unknown option '--bogus'/],
      [['list', '--status', 'DONE'], /must be one of RUNNING, SUCCEEDED, FAILED, STOPPED/],
      [['list', '--limit', '0'], /must be at least 1/],
      [['list', '--limit', '2.5'], /must be a whole number/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect({ args, status: result.status, stdout: result.stdout }).toEqual({ args, status: 2, stdout: '' });
      expect({ args, stderr: result.stderr }).toEqual({ args, stderr: expect.stringMatching(message) });
    }
    const help = await cli('logs', '--help');
    expect(help.status).toBe(0);
    for (const flag of [
      '--grep',
      '--ignore-case',
      '--since',
      '--until',
      '--timestamps',
      '--tail',
      '--no-color',
      '--output',
      '--follow',
      '--color',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const listHelp = await cli('list', '--help');
    expect(listHelp.status).toBe(0);
    for (const flag of ['--status', '--limit', '--json', '--no-color']) expect(listHelp.stdout).toContain(flag);
  });
});
