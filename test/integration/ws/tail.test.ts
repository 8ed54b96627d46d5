// WebSocket tails on the real local stack (Temporal + AWS emulator): late joiners, reconnects,
// one shared DynamoDB poll loop for many sockets, tickets, and malformed upgrade requests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocket, type RawData } from 'ws';
import { LogstreamClient } from '../../../src/client/client';
import type { IndexedEvent } from '../../../src/domain';
import { startServer } from '../../../src/main/server';
import { TicketSigner } from '../../../src/ws/ticket';
import {
  newExecutionId,
  startHarness,
  testConfig,
  waitFor,
  waitSealed,
  TEST_TICKET_SECRET,
  type Harness,
} from '../../support/harness';
import { followAll } from '../../support/follow-all';
import { parseTailMessage } from '../../support/resuming-socket';

/** What one raw socket received. */
interface Received {
  readonly events: IndexedEvent[];
  status: { status: string; last_index: number } | undefined;
  /** Messages received after the status message (must stay 0). */
  afterStatus: number;
  closeCode: number | undefined;
  closeReason: string;
  readonly closed: Promise<void>;
  readonly ws: WebSocket;
}

/** Opens a raw socket and records everything it receives. */
function openTail(url: string, headers: Record<string, string> = {}): Received {
  const ws = new WebSocket(url, { headers });
  let done: () => void = () => undefined;
  const received: Received = {
    events: [],
    status: undefined,
    afterStatus: 0,
    closeCode: undefined,
    closeReason: '',
    closed: new Promise<void>((resolve) => (done = resolve)),
    ws,
  };
  ws.on('message', (data: RawData) => {
    const message = parseTailMessage(data);
    if (received.status) received.afterStatus++;
    if (message.type === 'events') received.events.push(...(message.events ?? []));
    if (message.type === 'status')
      received.status = { status: message.status ?? '', last_index: message.last_index ?? -1 };
  });
  ws.on('error', () => undefined);
  ws.on('close', (code, reason) => {
    received.closeCode = code;
    received.closeReason = reason.toString();
    done();
  });
  return received;
}

/** The HTTP status an upgrade request is answered with (101 when the socket opened; it is closed at once). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (request, response) => {
      resolve(response.statusCode ?? 0);
      request.destroy();
    });
    ws.on('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.on('error', () => resolve(0));
  });
}

/** Sends a raw HTTP request and returns the status line's code and the body. */
function rawRequest(port: number, request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      // A 101 keeps the connection open: the status line is all we need.
      if (data.startsWith('HTTP/1.1 101')) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.split('\r\n\r\n')[1] ?? '' });
    });
    socket.setTimeout(20_000, () => socket.destroy());
  });
}

/** A TCP proxy whose open connections the test can cut, as a network failure would. */
async function startProxy(port: number): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut: () => open.forEach((socket) => socket.destroy()),
    close: () => {
      open.forEach((socket) => socket.destroy());
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A job printing `line-0`.. in bursts with pauses, so it is still running while sockets join. */
function burstyJob(lines: number, burst: number, pause: string): string[] {
  return [
    'sh',
    '-c',
    `i=0; while [ $i -lt ${lines} ]; do echo line-$i; i=$((i+1)); if [ $((i % ${burst})) -eq 0 ]; then sleep ${pause}; fi; done`,
  ];
}

/** Gate files a gated job waits for; the test opens them when it is ready for the job's next step. */
class Gates {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'logstream-gates-'));
  open(name: string): void {
    writeFileSync(path.join(this.dir, name), '');
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A job printing `line-0`.. in blocks: block 0 at once, block k once gate `k` is open; after the last block it
 * waits for gate `end`. It runs for as long as the test wants, whatever the machine's load.
 */
function gatedJob(gates: Gates, blocks: readonly number[]): string[] {
  const wait = (name: string): string => `while [ ! -e '${path.join(gates.dir, name)}' ]; do sleep 0.05; done`;
  let total = 0;
  const steps = blocks.map((count, k) => {
    total += count;
    const print = `while [ $i -lt ${total} ]; do echo line-$i; i=$((i+1)); done`;
    return k === 0 ? print : `${wait(String(k))}; ${print}`;
  });
  return ['sh', '-c', ['i=0', ...steps, wait('end')].join('; ')];
}

/** Counters of `logstream_dependency_calls_total` for DynamoDB reads, from `/metrics`. */
async function dynamoReads(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^logstream_dependency_calls_total\{([^}]*)\} (\d+)/.exec(line);
    if (match?.[1]?.includes('dependency="dynamodb"') && /operation="(Query|GetItem)"/.test(match[1])) {
      total += Number(match[2]);
    }
  }
  return total;
}

async function gauge(baseUrl: string, name: string, apiKey?: string): Promise<number> {
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const text = await (await fetch(`${baseUrl}/metrics`, { headers })).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
}

function expectLines(events: readonly IndexedEvent[], from: number, to: number): void {
  expect(events.map((e) => e.index)).toEqual(range(from, to));
  expect(events.every((e) => e.message === `line-${e.index - 1}`)).toBe(true);
}

describe('WebSocket tails on the real stack', () => {
  let h: Harness;
  let wsBase: string;
  /** A small sealed execution, for the input suite. */
  let doneId: string;

  beforeAll(async () => {
    h = await startHarness({ env: { LOGSTREAM_WS_MAX_SOCKETS_PER_ADDRESS: '400' } });
    wsBase = `ws://127.0.0.1:${h.server.port}/ws`;
    doneId = newExecutionId('ws-done');
    await h.client.start({ command: burstyJob(20, 1000, '0'), executionId: doneId });
    await waitSealed(h.client, doneId);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('gives three sockets joining a 10,000-line job at start, mid-way and after completion exactly lines 1..10,000', async () => {
    const id = newExecutionId('ws-10k');
    // The second half waits for the test: the job is still RUNNING when the mid-way socket joins.
    const gates = new Gates();
    await h.client.start({ command: gatedJob(gates, [5000, 5000]), executionId: id });
    // At start: nothing read yet.
    const first = openTail(`${wsBase}?execution_id=${id}&last_index=0`);

    // Mid-way: the first part from /logs, the rest from its websocket_url (last_index = end of the page).
    await waitFor('3,000 stored lines', async () => {
      const view = await h.client.getHandle(id).describe();
      return view.lastIndex >= 3000 ? view : undefined;
    });
    const page = await h.client.getHandle(id).logs({ sinceIndex: 0, limit: 2500 });
    expect(page.status).toBe('RUNNING');
    expect(page.websocketUrl ?? '').toContain('last_index=2500');
    const second = openTail(page.websocketUrl ?? '');
    gates.open('1');
    gates.open('end');

    await Promise.all([first.closed, second.closed]);
    gates.remove();
    await waitSealed(h.client, id);
    // After completion: the whole backlog, the status and the close.
    const third = openTail(`${wsBase}?execution_id=${id}&last_index=0`);
    await third.closed;

    expectLines([...page.events, ...second.events], 1, 10_000);
    for (const socket of [first, second, third]) {
      if (socket !== second) expectLines(socket.events, 1, 10_000);
      expect(socket.status).toEqual({ status: 'SUCCEEDED', last_index: 10_000 });
      expect(socket.afterStatus).toBe(0);
      expect(socket.closeCode).toBe(1000);
    }
  });

  it('loses and repeats nothing when the connection is cut mid-stream and the client reconnects', async () => {
    const proxy = await startProxy(h.server.port);
    try {
      const client = new LogstreamClient({ url: proxy.url });
      const id = newExecutionId('ws-cut');
      // The job ends only after both cuts: the tail is live (not a sealed backlog) when they happen.
      const gates = new Gates();
      await client.start({ command: gatedJob(gates, [3000]), executionId: id });
      const page = await client.getHandle(id).logs({ sinceIndex: 0, limit: 1 });
      const events: IndexedEvent[] = [...page.events];
      const cutAt = new Set([700, 1900]);
      const since = page.events.at(-1)?.index ?? 0;
      const result = await followAll(
        client.getHandle(id),
        (event) => {
          events.push(event);
          if (cutAt.delete(event.index)) proxy.cut();
          if (cutAt.size === 0) gates.open('end');
        },
        { sinceIndex: since },
      );
      gates.remove();
      expect(cutAt.size).toBe(0);
      expect(result).toMatchObject({ status: 'SUCCEEDED', lastIndex: 3000 });
      expectLines(events, 1, 3000);
    } finally {
      await proxy.close();
    }
  });

  it('serves 200 sockets on one execution from one DynamoDB poll loop', async () => {
    // An API node of its own whose loops read at most once a second when idle (the tip feed every
    // LOGSTREAM_POLL_MIN_MS, a tail's own poll backing off to LOGSTREAM_WS_POLL_MAX_MS): what it reads while the
    // sockets wait then stays far below one read per socket however long the wait takes (see the bound below).
    const node = await startServer(
      testConfig({
        LOGSTREAM_TASK_QUEUE: h.config.taskQueue,
        LOGSTREAM_WS_MAX_SOCKETS_PER_ADDRESS: '400',
        LOGSTREAM_POLL_MIN_MS: '1000',
        LOGSTREAM_WS_POLL_MAX_MS: '1000',
      }),
    );
    const id = newExecutionId('ws-200');
    // Blocks of 50 lines, each released by the test; the job runs until the test stops it.
    const gates = new Gates();
    const sockets: Received[] = [];
    try {
      await h.client.start({ command: gatedJob(gates, [50, 50]), executionId: id });
      const url = `ws://127.0.0.1:${node.port}/ws?execution_id=${id}&last_index=0`;
      sockets.push(openTail(url));
      const lastOf = (s: Received): number => s.events[s.events.length - 1]?.index ?? 0;
      const allAt = (index: number) => async (): Promise<true | undefined> =>
        sockets.every((s) => lastOf(s) === index) ? true : undefined;
      await waitFor('the first socket at line 50', allAt(50));
      for (let i = 1; i < 200; i++) sockets.push(openTail(url));
      await waitFor('199 sockets to read their backlog', allAt(50));
      expect(await gauge(node.url, 'logstream_ws_open_sockets')).toBe(200);
      expect(await gauge(node.url, 'logstream_ws_active_tails')).toBe(1);

      // The next block reaches all 200 sockets. One loop per socket would read at least once per socket to see it:
      // 200 reads. The shared loop's reads do not grow with the sockets: a page per new chunk (the block's 50 lines
      // make at most 50) and the loops' own reads, at most a few a second, over a wait bounded by WAIT_MS.
      const WAIT_MS = 30_000;
      const before = await dynamoReads(node.url);
      gates.open('1');
      await waitFor('all 200 sockets at line 100', allAt(100), WAIT_MS);
      const reads = (await dynamoReads(node.url)) - before;
      expect(reads).toBeGreaterThan(0);
      expect(reads).toBeLessThan(sockets.length);
      expect(sockets.every((s) => s.closeCode === undefined)).toBe(true);
      expectLines(sockets[199]?.events ?? [], 1, 100);

      for (const socket of sockets) socket.ws.close();
      await Promise.all(sockets.map((s) => s.closed));
      await waitFor('the tail to stop', async () =>
        (await gauge(node.url, 'logstream_ws_active_tails')) === 0 ? true : undefined,
      );
      await h.client.getHandle(id).stop();
    } finally {
      for (const socket of sockets) socket.ws.close();
      gates.remove();
      await node.stop();
    }
  });

  it('refuses malformed upgrade requests with a 4xx and keeps serving', async () => {
    const port = h.server.port;
    const unknownId = newExecutionId('no-such-execution');
    const cases: [string, string, number][] = [
      ['wrong path', `/wsx?execution_id=${doneId}`, 404],
      ['sub-path', `/ws/extra?execution_id=${doneId}`, 404],
      ['root path', '/', 404],
      ['REST path', `/executions/${doneId}/logs`, 404],
      ['missing execution_id', '/ws?last_index=0', 400],
      ['empty execution_id', '/ws?execution_id=&last_index=0', 400],
      ['path traversal id', '/ws?execution_id=..%2Fetc', 400],
      ['id with a space', '/ws?execution_id=a%20b', 400],
      ['id with a quote', '/ws?execution_id=a%22b', 400],
      ['non-ASCII id', '/ws?execution_id=%C3%A9t%C3%A9', 400],
      ['id too long', `/ws?execution_id=${'a'.repeat(129)}`, 400],
      ['negative last_index', `/ws?execution_id=${doneId}&last_index=-1`, 400],
      ['non-numeric last_index', `/ws?execution_id=${doneId}&last_index=abc`, 400],
      ['fractional last_index', `/ws?execution_id=${doneId}&last_index=1.5`, 400],
      ['exponent last_index', `/ws?execution_id=${doneId}&last_index=1e3`, 400],
      ['hex last_index', `/ws?execution_id=${doneId}&last_index=0x10`, 400],
      ['empty last_index', `/ws?execution_id=${doneId}&last_index=`, 400],
      ['huge last_index', `/ws?execution_id=${doneId}&last_index=99999999999999999999`, 400],
      ['last_index past the log', `/ws?execution_id=${doneId}&last_index=1000000`, 400],
      ['duplicate execution_id', `/ws?execution_id=${doneId}&execution_id=${doneId}`, 400],
      ['duplicate last_index', `/ws?execution_id=${doneId}&last_index=0&last_index=1`, 400],
      ['unknown parameter', `/ws?execution_id=${doneId}&follow=1`, 400],
      ['unknown execution', `/ws?execution_id=${unknownId}`, 404],
      ['forged ticket', `/ws?execution_id=${doneId}&ticket=zzzzzz.${'A'.repeat(43)}`, 401],
      ['garbage ticket', `/ws?execution_id=${doneId}&ticket=not-a-ticket`, 401],
    ];
    const request = (path: string, extra = ''): string =>
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
    const answers: [string, number, number][] = [];
    for (const [name, path, expected] of cases) {
      const { status, body } = await rawRequest(port, request(path));
      answers.push([name, status, expected]);
      if (status !== 101)
        expect(JSON.parse(body)).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    }
    const good = `/ws?execution_id=${doneId}`;
    const headerCases: [string, string, number][] = [
      ['foreign Origin', request(good, 'Origin: http://evil.example\r\n'), 403],
      ['null Origin', request(good, 'Origin: null\r\n'), 403],
      ['POST upgrade', request(good).replace(/^GET/, 'POST'), 400],
      ['not a WebSocket upgrade', request(good).replace('Upgrade: websocket', 'Upgrade: h2c'), 400],
      ['no Sec-WebSocket-Key', request(good).replace(/Sec-WebSocket-Key: [^\r]*\r\n/, ''), 400],
      ['unsupported version', request(good).replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 99'), 400],
      ['own Origin', request(good, `Origin: http://127.0.0.1:${port}\r\n`), 101],
    ];
    for (const [name, raw, expected] of headerCases) {
      const { status } = await rawRequest(port, raw);
      answers.push([name, status, expected]);
    }
    expect(answers.filter(([, status, expected]) => status !== expected)).toEqual([]);

    // Still serving: REST, and a full tail of the sealed execution.
    expect((await fetch(`${h.server.url}/healthz`)).status).toBe(200);
    const tail = openTail(`${wsBase}?execution_id=${doneId}&last_index=5`);
    await tail.closed;
    expectLines(tail.events, 6, 20);
    expect(tail.status).toEqual({ status: 'SUCCEEDED', last_index: 20 });
    expect(tail.closeCode).toBe(1000);
  });

  describe('with API keys', () => {
    const keys = ['ws-test-key-aaaaaaaaaaaa', 'ws-test-key-bbbbbbbbbbbb'];
    let auth: Harness;
    let client: LogstreamClient;
    let running: string;
    let other: string;

    beforeAll(async () => {
      // No worker: the executions stay RUNNING (nobody polls their task queue), which is all a tail needs.
      auth = await startHarness({
        worker: false,
        env: {
          LOGSTREAM_API_KEYS: keys.join(','),
          LOGSTREAM_TICKET_SECRET: TEST_TICKET_SECRET,
          LOGSTREAM_WS_MAX_SOCKETS_PER_ADDRESS: '3',
        },
      });
      client = new LogstreamClient({ url: auth.server.url, apiKey: keys[0] });
      running = newExecutionId('ws-auth');
      other = newExecutionId('ws-auth-other');
      await client.start({ command: ['true'], executionId: running });
      await client.start({ command: ['true'], executionId: other });
    });
    afterAll(async () => {
      for (const id of [running, other]) {
        await auth?.temporal.workflow
          .getHandle(id)
          .terminate('test done')
          .catch(() => undefined);
      }
      await auth?.stop();
    });

    const wsUrl = (id: string, ticket?: string): string =>
      `ws://127.0.0.1:${auth.server.port}/ws?execution_id=${id}&last_index=0${ticket === undefined ? '' : `&ticket=${ticket}`}`;

    it('accepts the ticket of websocket_url and refuses missing, forged, expired and foreign tickets with 401', async () => {
      const page = await client.getHandle(running).logs();
      expect(page.websocketUrl ?? '').toMatch(/ticket=/);
      const ticket = new URL(page.websocketUrl ?? '').searchParams.get('ticket') ?? '';
      const forged = `${ticket.slice(0, -2)}${ticket.endsWith('AA') ? 'BB' : 'AA'}`;
      const otherKey = new TicketSigner('some-other-secret-0123456789').issue(running);
      // The server derives its ticket key from the API keys; an hour-old ticket of that key has expired.
      const expired = new TicketSigner(keys.join(','), 60_000, () => Date.now() - 3_600_000).issue(running);
      const foreign =
        new URL((await client.getHandle(other).logs()).websocketUrl ?? '').searchParams.get('ticket') ?? '';

      expect(await upgradeStatus(page.websocketUrl ?? '')).toBe(101);
      expect({
        none: await upgradeStatus(wsUrl(running)),
        empty: await upgradeStatus(wsUrl(running, '')),
        forged: await upgradeStatus(wsUrl(running, forged)),
        otherKey: await upgradeStatus(wsUrl(running, otherKey)),
        expired: await upgradeStatus(wsUrl(running, expired)),
        foreign: await upgradeStatus(wsUrl(running, foreign)),
      }).toEqual({ none: 401, empty: 401, forged: 401, otherKey: 401, expired: 401, foreign: 401 });
      // A ticket of the right key for the other execution still opens that one.
      expect(await upgradeStatus(wsUrl(other, foreign))).toBe(101);
    });

    it('limits concurrent sockets per address', async () => {
      const openSockets = (): Promise<number> => gauge(auth.server.url, 'logstream_ws_open_sockets', keys[0]);
      await waitFor('earlier sockets to close', async () => ((await openSockets()) === 0 ? true : undefined));
      const url = (await client.getHandle(running).logs()).websocketUrl ?? '';
      const open = [openTail(url), openTail(url), openTail(url)];
      await Promise.all(open.map((s) => new Promise((resolve) => s.ws.once('open', resolve))));
      expect(await upgradeStatus(url)).toBe(429);
      open[0]?.ws.close();
      await waitFor('a slot to free up', async () => ((await openSockets()) === 2 ? true : undefined));
      expect(await upgradeStatus(url)).toBe(101);
      for (const socket of open) socket.ws.close();
      await Promise.all(open.map((s) => s.closed));
    });

    it('closes open sockets with 1001 when the server stops', async () => {
      const socket = openTail((await client.getHandle(running).logs()).websocketUrl ?? '');
      await new Promise((resolve) => socket.ws.once('open', resolve));
      await auth.server.stop();
      await socket.closed;
      expect(socket.closeCode).toBe(1001);
    });
  });
});

describe('WebSocket tail: sockets per API key', () => {
  const keys = ['ws-key-one-aaaaaaaaaaaaaaa', 'ws-key-two-bbbbbbbbbbbbbbb'];
  let h: Harness;
  let id: string;
  beforeAll(async () => {
    h = await startHarness({
      worker: false,
      env: {
        LOGSTREAM_API_KEYS: keys.join(','),
        LOGSTREAM_TICKET_SECRET: TEST_TICKET_SECRET,
        LOGSTREAM_WS_MAX_SOCKETS_PER_KEY: '2',
      },
    });
    id = newExecutionId('ws-per-key');
    await new LogstreamClient({ url: h.server.url, apiKey: keys[0] }).start({ command: ['true'], executionId: id });
  });
  afterAll(async () => {
    await h?.temporal.workflow
      .getHandle(id)
      .terminate('test done')
      .catch(() => undefined);
    await h?.stop();
  });

  it('refuses a third socket of one key with 429 while another key still gets in', async () => {
    const urlFor = async (key: string | undefined): Promise<string> =>
      (await new LogstreamClient({ url: h.server.url, apiKey: key }).getHandle(id).logs()).websocketUrl ?? '';
    const first = await urlFor(keys[0]);
    expect(new URL(first).searchParams.get('ticket')).toMatch(/^[0-9a-z]+\.[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/);
    const second = await urlFor(keys[0]);
    expect({ first: await upgradeStatus(first), second: await upgradeStatus(second) }).toEqual({
      first: 101,
      second: 101,
    });
    const open = [openTail(first), openTail(second)];
    await Promise.all(open.map((s) => new Promise((resolve) => s.ws.once('open', resolve))));
    expect(await upgradeStatus(await urlFor(keys[0]))).toBe(429);
    const other = openTail(await urlFor(keys[1]));
    await new Promise((resolve) => other.ws.once('open', resolve));
    for (const socket of [...open, other]) socket.ws.close();
    await Promise.all([...open, other].map((s) => s.closed));
  });
});
