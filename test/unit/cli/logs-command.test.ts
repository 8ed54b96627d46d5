import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addStream, compileGrep } from '../../../src/cli/line-filter';
import { printLogs, type CliIo, type LogsRequest } from '../../../src/cli/logs-command';
import { LogstreamClient } from '../../../src/client/client';
import type { IndexedEvent } from '../../../src/domain';

// `logstream logs` against a scripted API (global fetch replaced) that serves a log of `size` events
// and records every /logs request: the tail must be read from the end, not the whole log.
const ID = 'exec-1';
const T0 = Date.UTC(2026, 10, 27, 15, 0, 0);
const realFetch = globalThis.fetch;

interface ScriptedLog {
  size: number;
  status: string;
  sealed: boolean;
  sealPending: boolean;
  source: 'dynamodb' | 'cloudwatch';
  message: (index: number) => string;
}

let reads: { since: number; limit: number }[] = [];
let searches: { since: number; q: string; regex: boolean; stream?: string }[] = [];

/** Every third line of the scripted log is the job's stderr. */
const streamOf = (index: number): string => (index % 3 === 0 ? 'stderr' : 'stdout');

function serve(log: ScriptedLog): void {
  reads = [];
  searches = [];
  const event = (index: number): IndexedEvent => ({
    index,
    timestamp: T0 + index * 1000,
    stream: streamOf(index),
    message: log.message(index),
  });
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const json = (body: unknown): Response =>
      new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    if (url.pathname === `/executions/${ID}`) {
      return json({
        execution_id: ID,
        status: log.status,
        started_at: null,
        completed_at: null,
        last_index: log.size,
        sealed: log.sealed,
        seal_pending: log.sealPending,
        exit_code: log.sealed ? 0 : null,
      });
    }
    const since = Number(url.searchParams.get('since_index') ?? '0');
    if (url.pathname === `/executions/${ID}/search`) {
      // Like the API: matches after `since`, at most 3 a page here so that paging is exercised.
      const pattern = new RegExp(url.searchParams.get('q') ?? '', url.searchParams.get('case') === '1' ? '' : 'i');
      const stream = url.searchParams.get('stream') ?? undefined;
      searches.push({
        since,
        q: url.searchParams.get('q') ?? '',
        regex: url.searchParams.get('regex') === '1',
        stream,
      });
      const matches: IndexedEvent[] = [];
      let at = since;
      while (at < log.size && matches.length < 3) {
        at++;
        if (pattern.test(log.message(at)) && (stream === undefined || streamOf(at) === stream)) matches.push(event(at));
      }
      return json({
        execution_id: ID,
        status: log.status,
        sealed: log.sealed,
        seal_pending: log.sealPending,
        matches,
        next_index: at < log.size ? at : null,
        scanned_to: at,
        source: log.source,
      });
    }
    const limit = Number(url.searchParams.get('limit') ?? '10000');
    reads.push({ since, limit });
    const events: IndexedEvent[] = [];
    for (let i = since + 1; i <= Math.min(log.size, since + limit); i++) events.push(event(i));
    const more = since + limit < log.size;
    return json({
      execution_id: ID,
      status: log.status,
      sealed: log.sealed,
      seal_pending: log.sealPending,
      events,
      last_index: log.source === 'cloudwatch' ? (events[events.length - 1]?.index ?? since) : log.size,
      next_index: more ? since + limit : null,
      websocket_url: '',
      source: log.source,
    });
  }) as typeof fetch;
}

afterEach(() => {
  globalThis.fetch = realFetch;
});

const client = new LogstreamClient({ url: 'http://api.invalid' });

async function run(request: Partial<LogsRequest>): Promise<{ out: string[]; err: string[]; error?: unknown }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line) };
  try {
    await printLogs(client.getHandle(ID), io, {
      sinceIndex: 0,
      follow: false,
      json: false,
      sealWaitSeconds: 0,
      ...request,
    });
    return { out, err };
  } catch (error) {
    return { out, err, error };
  }
}

const sealedLog: ScriptedLog = {
  size: 100_000,
  status: 'FAILED',
  sealed: true,
  sealPending: false,
  source: 'dynamodb',
  message: (i) => (i % 100 === 0 ? `ERROR at ${i}` : `ok ${i}`),
};

describe('logstream logs --tail, --grep, --timestamps against a scripted API', () => {
  it('--grep ERROR --timestamps --tail 20 prints the last 20 matches, reading only the end of the log', async () => {
    serve(sealedLog);
    const { out, error } = await run({ tail: 20, filter: { grep: compileGrep('ERROR') }, timestamps: true });
    expect(error).toBeUndefined();
    expect(out).toEqual(
      Array.from({ length: 20 }, (_, i) => {
        const index = 98_100 + i * 100;
        return `${new Date(T0 + index * 1000).toISOString()} ERROR at ${index}`;
      }),
    );
    // One probe of the log's end, then windows from the end: 2,000 events of 100,000 suffice.
    expect(reads).toEqual([
      { since: 0, limit: 1 },
      { since: 98_000, limit: 2000 },
    ]);
  });

  it('--tail without a filter reads exactly the last N events', async () => {
    serve(sealedLog);
    const { out } = await run({ tail: 3 });
    expect(out).toEqual(['ok 99998', 'ok 99999', 'ERROR at 100000']);
    expect(reads).toEqual([
      { since: 0, limit: 1 },
      { since: 99_997, limit: 3 },
    ]);
  });

  it('--since in the future prints nothing and still ends as a whole, sealed read', async () => {
    serve({ ...sealedLog, size: 50 });
    const { out, error } = await run({ filter: { since: T0 + 51_000 } });
    expect(out).toEqual([]);
    expect(error).toBeUndefined();
  });

  it('--since and --until keep the lines in between, inclusive', async () => {
    serve({ ...sealedLog, size: 50 });
    const { out } = await run({ filter: { since: T0 + 10_000, until: T0 + 12_000 } });
    expect(out).toEqual(['ok 10', 'ok 11', 'ok 12']);
  });

  it('a RUNNING execution without --follow: the tail as it stands, then "not sealed" (exit 4 in the CLI)', async () => {
    serve({ ...sealedLog, size: 10, status: 'RUNNING', sealed: false, sealPending: true });
    const { out, error } = await run({ tail: 2 });
    expect(out).toEqual(['ok 9', 'ok 10']);
    expect(error).toMatchObject({ code: 'LOG_NOT_SEALED', message: expect.stringMatching(/is RUNNING/) });
  });

  it('an unstored (CloudWatch) log has no known end: read through, keeping the last N, and said unsealed', async () => {
    serve({ ...sealedLog, size: 25_000, status: 'STOPPED', sealed: false, sealPending: false, source: 'cloudwatch' });
    const { out, error } = await run({ tail: 2 });
    expect(out).toEqual(['ok 24999', 'ERROR at 25000']);
    expect(error).toMatchObject({ code: 'LOG_NOT_SEALED', sealPending: false });
    expect(reads).toEqual([
      { since: 0, limit: 1 },
      { since: 0, limit: 10_000 },
      { since: 10_000, limit: 10_000 },
      { since: 20_000, limit: 10_000 },
    ]);
  });

  it('paging waits for a slow reader of stdout every 1,000 lines instead of queueing the whole log', async () => {
    serve({ ...sealedLog, size: 2500 });
    const out: string[] = [];
    const waits: number[] = [];
    const io: CliIo = {
      out: (line) => out.push(line),
      err: () => undefined,
      drained: async () => void waits.push(out.length),
    };
    await printLogs(client.getHandle(ID), io, { sinceIndex: 0, follow: false, json: false, sealWaitSeconds: 0 });
    expect(out).toHaveLength(2500);
    expect(waits).toEqual([1000, 2000]);
  });

  it('--grep without --tail is searched on the server: no page of the log is read, only the matches come', async () => {
    serve({ ...sealedLog, size: 1000 });
    const { out, error } = await run({ filter: { grep: compileGrep('error at [1-5]00$', true) } });
    expect(error).toBeUndefined();
    expect(out).toEqual(['ERROR at 100', 'ERROR at 200', 'ERROR at 300', 'ERROR at 400', 'ERROR at 500']);
    expect(reads).toEqual([]);
    expect(searches.map((s) => s.since)).toEqual([0, 300]);
    expect(searches.every((s) => s.regex && s.q === 'error at [1-5]00$')).toBe(true);
  });

  describe('-o FILE', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logstream-logs-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('writes the sealed log to FILE (no colour) and says so on stderr', async () => {
      serve({ ...sealedLog, size: 200 });
      const file = path.join(dir, 'out.log');
      const { out, err, error } = await run({ output: file, color: true, filter: { grep: compileGrep('ERROR') } });
      expect(error).toBeUndefined();
      expect(out).toEqual([]);
      expect(fs.readFileSync(file, 'utf8')).toBe('ERROR at 100\nERROR at 200\n');
      expect(err).toEqual([`logstream: wrote 2 lines to ${file} (FAILED, sealed)`]);
    });

    it('an unsealed log is written too, and said not to be provably whole', async () => {
      serve({ ...sealedLog, size: 3, status: 'STOPPED', sealed: false, sealPending: false, source: 'cloudwatch' });
      const file = path.join(dir, 'out.log');
      const { err, error } = await run({ output: file });
      expect(error).toMatchObject({ code: 'LOG_NOT_SEALED' });
      expect(fs.readFileSync(file, 'utf8')).toBe('ok 1\nok 2\nok 3\n');
      expect(err).toEqual([`logstream: wrote 3 lines to ${file}: not provably the whole log (not sealed)`]);
    });

    it('a failed read leaves FILE as it was and no temporary file', async () => {
      globalThis.fetch = (async () => {
        throw new Error('connection refused');
      }) as typeof fetch;
      const file = path.join(dir, 'out.log');
      fs.writeFileSync(file, 'previous\n');
      const { error } = await run({ output: file });
      expect(error).toMatchObject({ code: 'UNREACHABLE' });
      expect(fs.readFileSync(file, 'utf8')).toBe('previous\n');
      expect(fs.readdirSync(dir)).toEqual(['out.log']);
    });
  });
});

describe('logstream logs --stream and --prefix against a scripted API', () => {
  it('--stream stderr --prefix prints only stderr lines, each behind [stderr]', async () => {
    serve({ ...sealedLog, size: 9 });
    const { out, error } = await run({ filter: { streams: ['stderr'] }, prefix: true });
    expect(error).toBeUndefined();
    expect(out).toEqual(['[stderr] ok 3', '[stderr] ok 6', '[stderr] ok 9']);
  });

  it('--stream is repeatable: lines of any stream named; --prefix goes before --timestamps', async () => {
    serve({ ...sealedLog, size: 3 });
    const { out } = await run({ filter: { streams: ['stdout', 'stderr'] }, prefix: true, timestamps: true });
    expect(out).toEqual([
      `[stdout] ${new Date(T0 + 1000).toISOString()} ok 1`,
      `[stdout] ${new Date(T0 + 2000).toISOString()} ok 2`,
      `[stderr] ${new Date(T0 + 3000).toISOString()} ok 3`,
    ]);
  });

  it('without --prefix the lines are printed as they are', async () => {
    serve({ ...sealedLog, size: 3 });
    expect((await run({})).out).toEqual(['ok 1', 'ok 2', 'ok 3']);
  });

  it('--grep with one --stream searches that stream on the server', async () => {
    serve({ ...sealedLog, size: 1000 });
    const { out, error } = await run({ filter: { grep: compileGrep('ERROR'), streams: ['stderr'] } });
    expect(error).toBeUndefined();
    expect(out).toEqual(['ERROR at 300', 'ERROR at 600', 'ERROR at 900']);
    expect(searches.length).toBeGreaterThan(0);
    expect(searches.every((s) => s.stream === 'stderr')).toBe(true);
    expect(reads).toEqual([]);
  });

  it('--grep with two --stream values searches every stream and keeps the named ones', async () => {
    serve({ ...sealedLog, size: 300 });
    const { out } = await run({ filter: { grep: compileGrep('ERROR'), streams: ['stdout', 'web'] } });
    expect(out).toEqual(['ERROR at 100', 'ERROR at 200']);
    expect(searches.every((s) => s.stream === undefined)).toBe(true);
  });

  it('--tail with --stream keeps the last N lines of that stream', async () => {
    serve({ ...sealedLog, size: 100 });
    const { out, error } = await run({ tail: 2, filter: { streams: ['stderr'] } });
    expect(error).toBeUndefined();
    expect(out).toEqual(['ok 96', 'ok 99']);
  });

  it('--stream collects names; an empty one or one given twice is a usage error', () => {
    expect(addStream('web', addStream('stderr', []))).toEqual(['stderr', 'web']);
    expect(() => addStream('', [])).toThrow(
      expect.objectContaining({ name: 'UsageError', message: expect.stringMatching(/needs a stream name/) }),
    );
    expect(() => addStream('web', ['web'])).toThrow(
      expect.objectContaining({ message: '--stream web is given twice' }),
    );
  });
});
