// A consumer that stops reading is closed with 4008 and resumes from its last index, on the real stack: the events
// of both connections together are the sealed log, each exactly once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket, type RawData } from 'ws';
import type { IndexedEvent } from '../../../src/domain';
import { newExecutionId, readAllLogs, startHarness, waitFor, waitSealed, type Harness } from '../../support/harness';
import { parseTailMessage } from '../../support/resuming-socket';

/** One tail connection: what it received and how it closed. */
interface Connection {
  readonly ws: WebSocket;
  readonly events: IndexedEvent[];
  status: { status: string; last_index: number } | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
}

function connect(url: string): Connection {
  const ws = new WebSocket(url);
  const connection: Connection = {
    ws,
    events: [],
    status: undefined,
    closed: new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
  };
  ws.on('message', (data: RawData) => {
    const message = parseTailMessage(data);
    if (message.type === 'events') connection.events.push(...(message.events ?? []));
    if (message.type === 'status') {
      connection.status = { status: message.status ?? '', last_index: message.last_index ?? -1 };
    }
  });
  ws.on('error', () => undefined);
  return connection;
}

async function gauge(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
}

describe('a slow WebSocket consumer', () => {
  let h: Harness;
  let gates: string;
  beforeAll(async () => {
    // The smallest buffer and patience the configuration allows, so a few megabytes make a consumer slow.
    h = await startHarness({
      env: { LOGSTREAM_WS_MAX_BUFFERED_BYTES: String(64 * 1024), LOGSTREAM_WS_SLOW_CONSUMER_MS: '100' },
    });
    gates = mkdtempSync(path.join(os.tmpdir(), 'logstream-slow-'));
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(gates, { recursive: true, force: true });
  });

  it('is closed with 4008 and, resuming from its last index, gets the rest: no gap, no duplicate', async () => {
    const id = newExecutionId('ws-4008');
    const block = 40;
    // 64 KiB lines in blocks of 40, each released by a gate file; gate `end` ends the job.
    const script = [
      "pad=$(printf '%065536d' 0)",
      'i=0',
      'b=1',
      `while [ ! -e '${gates}/end' ]; do`,
      `  if [ -e "${gates}/$b" ]; then n=0; while [ $n -lt ${block} ]; do i=$((i+1)); echo "line-$i $pad"; n=$((n+1)); done; b=$((b+1));`,
      '  else sleep 0.05; fi',
      'done',
    ].join('\n');
    await h.client.start({ command: ['sh', '-c', script], executionId: id });
    const first = connect(`ws://127.0.0.1:${h.server.port}/ws?execution_id=${id}&last_index=0`);
    await new Promise((resolve) => first.ws.once('open', resolve));
    // The consumer stops reading; blocks keep coming until the server gives up on it (kernel buffers take the first
    // megabytes). The tail leaves its only socket at once: no active tail is the server's verdict.
    first.ws.pause();
    let released = 0;
    while ((await gauge(h.server.url, 'logstream_ws_active_tails')) !== 0) {
      if (released >= 40) throw new Error('the slow consumer was never closed');
      writeFileSync(path.join(gates, String(++released)), '');
      await waitFor(`block ${released} stored`, async () =>
        (await h.client.getHandle(id).describe()).lastIndex >= released * block ? true : undefined,
      );
    }
    first.ws.resume();
    const close = await first.closed;
    expect(close.code).toBe(4008);
    const resumeFrom = Number(/last_index=(\d+)/.exec(close.reason)?.[1]);
    expect(first.events.map((e) => e.index)).toEqual(Array.from({ length: resumeFrom }, (_, i) => i + 1));

    writeFileSync(path.join(gates, 'end'), '');
    const second = connect(`ws://127.0.0.1:${h.server.port}/ws?execution_id=${id}&last_index=${resumeFrom}`);
    const secondClose = await second.closed;
    const view = await waitSealed(h.client, id);
    expect(view.lastIndex).toBe(released * block);
    expect(secondClose.code).toBe(1000);
    expect(second.status).toEqual({ status: 'SUCCEEDED', last_index: view.lastIndex });

    const received = [...first.events, ...second.events];
    expect(received.map((e) => e.index)).toEqual(Array.from({ length: view.lastIndex }, (_, i) => i + 1));
    const { events } = await readAllLogs(h.client, id, 100);
    expect(received.map((e) => e.message)).toEqual(events.map((e) => e.message));
    expect(received.every((e) => e.message.startsWith(`line-${e.index} `))).toBe(true);
  });
});
