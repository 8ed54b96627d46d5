import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { executionWriteUnits } from '../../../src/adapters/dynamodb/item-size';
import { managedLogStream } from '../../../src/domain';
import { LogPump } from '../../../src/ports';
import { newExecutionId, readAllLogs, startHarness, waitFor, waitSealed, type Harness } from '../../support/harness';
import { writeLines } from '../../support/external-job';
import { strictAws } from '../../support/strict-aws';

/** Running processes that have `arg` as one of their arguments (Linux /proc). */
function processesWithArg(arg: string): number {
  return readdirSync('/proc').filter((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      return readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(arg);
    } catch {
      return false;
    }
  }).length;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('log store and status-based /logs with a worker', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('stores a 20,000-line job exactly once in compressed chunks: 1/20 of the write units of one item per line', async () => {
    const id = newExecutionId('twenty-k');
    // ~120-byte lines, printed as fast as the shell can: many share a millisecond.
    const pad = 'x'.repeat(100);
    await h.client.start({
      command: ['sh', '-c', `i=1; while [ $i -le 20000 ]; do echo "line $i ${pad}"; i=$((i+1)); done`],
      executionId: id,
    });
    const view = await waitSealed(h.client, id, 180_000);
    expect(view).toMatchObject({ status: 'SUCCEEDED', sealed: true, lastIndex: 20_000 });

    const { events, sources, pages } = await readAllLogs(h.client, id, 3000);
    expect(sources).toEqual(new Set(['dynamodb']));
    expect(pages).toBe(7);
    expect(events.map((e) => e.index)).toEqual(range(1, 20_000));
    expect(events.map((e) => e.message)).toEqual(range(1, 20_000).map((i) => `line ${i} ${pad}`));

    // Write units: sum over the execution's items of ceil(item size / 1 KB).
    const { items, writeUnits } = await executionWriteUnits(h.aws.dynamodb, h.config.table, id);
    // One item per line would cost at least one unit per line.
    expect(writeUnits).toBeLessThanOrEqual(20_000 / 20);
    expect(items).toBeGreaterThan(1);
  });

  it('keeps an event that arrives after completion but inside the settle window', async () => {
    // A window far longer than the few steps between the completion and the late write, however loaded the machine.
    const settleMs = 15_000;
    const local = await startHarness({ env: { LOGSTREAM_SETTLE_MS: String(settleMs) } });
    try {
      const id = newExecutionId('late');
      const stream = `external/${id}`;
      await local.client.start({ logGroup: local.config.logGroup, logStream: stream, executionId: id });
      await writeLines(local, stream, ['one', 'two']);
      const completedAt = Date.now();
      await local.client
        .getHandle(id)
        .complete({ status: 'SUCCEEDED', completedAt: new Date(completedAt).toISOString() });
      // Late: written once the execution is known to be completed, its drain waiting out the settle window.
      const completed = await waitFor('the completion recorded', async () => {
        const view = await local.client.getHandle(id).describe();
        return view.status === 'SUCCEEDED' ? view : undefined;
      });
      expect(completed.sealed).toBe(false);
      const lateAt = Date.now();
      await writeLines(local, stream, ['late but inside the window']);
      expect(lateAt).toBeLessThan(completedAt + settleMs);
      const view = await waitSealed(local.client, id);
      expect(view.status).toBe('SUCCEEDED');
      const { events, sources } = await readAllLogs(local.client, id);
      expect(sources).toEqual(new Set(['dynamodb']));
      expect(events).toEqual([
        { index: 1, message: 'one' },
        { index: 2, message: 'two' },
        { index: 3, message: 'late but inside the window' },
      ]);
    } finally {
      await local.stop();
    }
  });

  it('stops a managed command: STOPPED, and the lines printed before the stop are drained and sealed', async () => {
    const id = newExecutionId('stop');
    // The job's own child (a background sleep) must stop with it: the whole process group is killed.
    const marker = `${60 + Math.floor(Math.random() * 1000)}.123`;
    await h.client.start({
      command: ['sh', '-c', `echo started; echo still here >&2; sleep ${marker} & wait; echo never`],
      executionId: id,
    });
    await waitFor('the first lines stored', async () => {
      const page = await h.client.getHandle(id).logs();
      return page.events.length === 2 ? page : undefined;
    });
    await h.client.getHandle(id).stop();
    const view = await waitSealed(h.client, id);
    expect(view.status).toBe('STOPPED');
    const { events } = await readAllLogs(h.client, id);
    expect(events.map((e) => e.message)).toEqual(['started', 'still here']);
    const again = await fetch(`${h.server.url}/executions/${id}/stop`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(
      await waitFor('the background sleep gone', async () => (processesWithArg(marker) === 0 ? true : undefined)),
    ).toBe(true);
  });

  it('ingests an external execution and completes it with the status and time it is given', async () => {
    const id = newExecutionId('external');
    const stream = `external/${id}`;
    await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
    await writeLines(
      h,
      stream,
      range(1, 300).map((i) => `ext ${i}`),
    );
    await waitFor('ingested', async () =>
      (await h.client.getHandle(id).describe()).lastIndex === 300 ? true : undefined,
    );
    const completedAt = new Date(Date.now() - 1000).toISOString();
    await h.client.getHandle(id).complete({ status: 'FAILED', completedAt, exitCode: 4 });
    const view = await waitSealed(h.client, id);
    expect(view).toMatchObject({ status: 'FAILED', completedAt: new Date(completedAt), lastIndex: 300, exitCode: 4 });
    const { events } = await readAllLogs(h.client, id, 128);
    expect(events.map((e) => e.message)).toEqual(range(1, 300).map((i) => `ext ${i}`));
    const again = await fetch(`${h.server.url}/executions/${id}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'SUCCEEDED' }),
    });
    expect(again.status).toBe(409);
  });
});

describe('status-based /logs with no worker (the API alone)', () => {
  let h: Harness;
  beforeAll(async () => {
    // Polled executions: only they are filled from CloudWatch by a first /logs (push ones are the forwarder's).
    h = await startHarness({ worker: false, env: { LOGSTREAM_INGEST: 'poll' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('running: the first call stores from CloudWatch and returns a websocket_url; the second reads DynamoDB', async () => {
    const id = newExecutionId('first-call');
    const stream = `external/${id}`;
    await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
    await writeLines(
      h,
      stream,
      range(1, 100).map((i) => `first ${i}`),
    );
    expect(await h.aws.store.latestChunk(id)).toBeUndefined();

    const first = await h.client.getHandle(id).logs();
    expect(first).toMatchObject({ status: 'RUNNING', source: 'dynamodb', lastIndex: 100, nextIndex: null });
    expect(first.events.map((e) => e.index)).toEqual(range(1, 100));
    expect(first.websocketUrl).toMatch(new RegExp(`^ws://.+/ws\\?execution_id=${id}&last_index=100&ticket=.+`));
    expect((await h.aws.store.latestChunk(id))?.last).toBe(100);

    // Nobody ingests now (no worker): the second call is served from what the first stored.
    await writeLines(h, stream, ['not yet ingested']);
    const second = await h.client.getHandle(id).logs({ sinceIndex: 50 });
    expect(second).toMatchObject({ source: 'dynamodb', lastIndex: 100 });
    expect(second.events.map((e) => e.index)).toEqual(range(51, 100));

    // Transition: once completed (here: terminated by an operator), the stored log is still there,
    // but new requests take the completed path: unsealed and recent, so CloudWatch, complete.
    await h.temporal.workflow.getHandle(id).terminate('test: operator stop');
    const completed = await h.client.getHandle(id).logs();
    expect(completed).toMatchObject({ status: 'STOPPED', source: 'cloudwatch', websocketUrl: null, nextIndex: null });
    expect(completed.events.map((e) => e.message)).toEqual([
      ...range(1, 100).map((i) => `first ${i}`),
      'not yet ingested',
    ]);
    expect((await h.aws.store.latestChunk(id))?.last).toBe(100);
  });

  it('completed with nothing stored: reads CloudWatch directly, pages with its tokens through empty pages, stores nothing', async () => {
    const id = newExecutionId('direct');
    const stream = `external/${id}`;
    await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
    await writeLines(
      h,
      stream,
      range(1, 2500).map((i) => `direct ${i}`),
    );
    await h.temporal.workflow.getHandle(id).terminate('test');
    // Every other GetLogEvents page with events comes back empty: the direct reads meet empty pages on every page.
    const strict = strictAws();
    await strict.setRules({ emptyPageEvery: 2 });
    try {
      const { events, sources, pages } = await readAllLogs(h.client, id, 1000);
      expect(sources).toEqual(new Set(['cloudwatch']));
      // Full pages, and the end only on the last: an empty page never passes for the end of the log.
      expect(pages).toBe(3);
      expect(events.map((e) => e.index)).toEqual(range(1, 2500));
      expect(events.map((e) => e.message)).toEqual(range(1, 2500).map((i) => `direct ${i}`));
      const page = await h.client.getHandle(id).logs({ sinceIndex: 2400, limit: 50 });
      expect(page.events.map((e) => e.index)).toEqual(range(2401, 2450));
      expect(page.nextIndex).toBe(2450);
      expect(page.websocketUrl).toBeNull();
    } finally {
      await strict.resetRules();
    }
    expect(await h.aws.store.latestChunk(id)).toBeUndefined();
  });

  it('a throttled direct read answers 429 THROTTLED with Retry-After, then the whole log once CloudWatch serves again', async () => {
    const id = newExecutionId('direct-throttled');
    const stream = `external/${id}`;
    await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
    await writeLines(
      h,
      stream,
      range(1, 300).map((i) => `throttled ${i}`),
    );
    await h.temporal.workflow.getHandle(id).terminate('test');
    const strict = strictAws();
    // Every GetLogEvents is refused for rate until the test clears it.
    await strict.fault({ service: 'logs', kind: 'throttle', operations: ['GetLogEvents'] });
    try {
      const refused = await fetch(`${h.server.url}/executions/${id}/logs`);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('THROTTLED');
    } finally {
      await strict.clearFaults();
    }
    const { events, sources } = await readAllLogs(h.client, id);
    expect(sources).toEqual(new Set(['cloudwatch']));
    expect(events.map((e) => e.message)).toEqual(range(1, 300).map((i) => `throttled ${i}`));
  });

  it('20 concurrent first /logs calls store every event exactly once', async () => {
    const id = newExecutionId('race');
    const stream = `external/${id}`;
    await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
    await writeLines(
      h,
      stream,
      range(1, 3000).map((i) => `race ${i}`),
    );
    const answers = await Promise.all(range(1, 20).map(() => h.client.getHandle(id).logs()));
    for (const answer of answers) {
      expect(answer.source).toBe('dynamodb');
      expect(answer.events.map((e) => e.message)).toEqual(range(1, 3000).map((i) => `race ${i}`));
    }
    const stored: string[] = [];
    for await (const chunk of h.aws.store.readChunks(id, 1)) stored.push(...chunk.events.map((e) => e.message));
    expect(stored).toEqual(range(1, 3000).map((i) => `race ${i}`));
  });

  it('a DynamoDB failure falls back on CloudWatch', async () => {
    const broken = await startHarness({ worker: false, env: { LOGSTREAM_TABLE: 'no-such-table' } });
    try {
      const id = newExecutionId('no-table');
      const stream = managedLogStream(id);
      await broken.temporal.workflow.start('executionWorkflow', {
        taskQueue: broken.config.taskQueue,
        workflowId: id,
        // As the API starts executions: the log's location travels in the memo, readable without the store.
        memo: { log_group: broken.config.logGroup, log_streams: [stream] },
        args: [
          {
            executionId: id,
            location: { logGroup: broken.config.logGroup, logStreams: [stream] },
            timings: { settleMs: 500, heartbeatTimeoutMs: 3000, commandTimeoutMs: 60_000 },
          },
        ],
      });
      await writeLines(broken, stream, ['still served']);
      const page = await broken.client.getHandle(id).logs();
      expect(page).toMatchObject({
        status: 'RUNNING',
        source: 'cloudwatch',
        events: [{ index: 1, message: 'still served' }],
      });
      const ready = await fetch(`${broken.server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { error: { message: string } }).error.message).toContain('dynamodb');
    } finally {
      await broken.stop();
    }
  });

  it('answers for an execution Temporal no longer knows, from its seal', async () => {
    const id = newExecutionId('retired');
    const location = { logGroup: h.config.logGroup, logStreams: [`external/${id}`] };
    await h.aws.store.registerExecution({ executionId: id, location, startedAt: Date.now() - 60_000 });
    await writeLines(h, `external/${id}`, ['kept after retention']);
    await new LogPump(h.aws.store, h.aws.source, { executionId: id, location }).pump();
    await h.aws.store.sealLog(
      id,
      { status: 'SUCCEEDED', completedAt: Date.now() - 30_000, lastIndex: 1, sealedAt: Date.now() },
      2e9,
    );
    const view = await h.client.getHandle(id).describe();
    expect(view).toMatchObject({ status: 'SUCCEEDED', sealed: true, lastIndex: 1 });
    const page = await h.client.getHandle(id).logs();
    expect(page).toMatchObject({ source: 'dynamodb', events: [{ index: 1, message: 'kept after retention' }] });
  });
});

describe('exactly-once ingestion across worker crashes', () => {
  it('SIGKILLing and restarting the worker three times during one job stores exactly the produced lines', async () => {
    const h = await startHarness({ worker: false, env: { LOGSTREAM_HEARTBEAT_TIMEOUT_MS: '2000' } });
    const env = {
      ...process.env,
      LOGSTREAM_TASK_QUEUE: h.config.taskQueue,
      LOGSTREAM_SETTLE_MS: '500',
      LOGSTREAM_POLL_MIN_MS: '50',
      LOGSTREAM_POLL_MAX_MS: '200',
    };
    const script = path.join(__dirname, '..', '..', 'support', 'worker-process.ts');
    const startWorkerProcess = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ['--import', 'tsx', script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (data: Buffer) => data.toString().includes('worker ready') && resolve());
        child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
      });
      return child;
    };
    let worker: ChildProcess | undefined;
    try {
      const id = newExecutionId('crashes');
      const stream = `external/${id}`;
      await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
      let written = 0;
      const writeBatch = async (count: number): Promise<void> => {
        await writeLines(
          h,
          stream,
          range(written + 1, written + count).map((i) => `survivor ${i}`),
        );
        written += count;
      };
      // What was stored when the previous worker died: each kill lands only once the new worker has stored more,
      // i.e. while a worker is storing, not while the retried ingest still waits for a worker to pick it up.
      let storedAtKill = 0;
      const grownAtKill: number[] = [];
      for (let crash = 0; crash < 3; crash++) {
        worker = await startWorkerProcess();
        await writeBatch(500);
        const grown = await waitFor(`worker ${crash + 1} storing`, async () => {
          const { lastIndex: stored } = await h.client.getHandle(id).describe();
          return stored > storedAtKill ? stored : undefined;
        });
        await writeBatch(700);
        const exited = new Promise((resolve) => worker?.once('exit', resolve));
        worker.kill('SIGKILL');
        await exited;
        grownAtKill.push(grown - storedAtKill);
        storedAtKill = (await h.client.getHandle(id).describe()).lastIndex;
      }
      expect(grownAtKill.every((grown) => grown > 0)).toBe(true);
      worker = await startWorkerProcess();
      await writeBatch(300);
      await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
      const view = await waitSealed(h.client, id, 120_000);
      expect(view.lastIndex).toBe(written);
      const { events } = await readAllLogs(h.client, id);
      expect(events.map((e) => e.index)).toEqual(range(1, written));
      expect(events.map((e) => e.message)).toEqual(range(1, written).map((i) => `survivor ${i}`));
    } finally {
      worker?.kill('SIGKILL');
      await h.stop();
    }
  });
});
