// A wave of 1,000 sockets joining one running execution on the real stack (Temporal, the emulator behind
// the strict AWS layer): every socket gets every line once, in order, then the status, and the wave costs
// a bounded number of DynamoDB reads whatever its size. The tail endpoint is built in-process from the
// API server's parts over the stack's table, so the reads made for joiners are counted apart from the
// poll loop's (one per execution, the same with one socket or a thousand).
//
// The upgrade check rereads a running execution's record about once a second (a cost per second and per
// execution, whatever the sockets: the record cache's own tests show it). Here the record is held for the
// whole wave, so that the count is what the wave's size costs and does not grow with how long a loaded
// machine takes to open 1,000 sockets.
import type { IndexedEvent } from '../../src/domain';
import { newExecutionId, startHarness, waitFor, type Harness } from '../support/harness';
import { parseJobLine, startLineJob } from '../support/line-job';
import { readsOf, startTailEndpoint, type TailEndpoint } from '../support/tail-endpoint';
import { openWaveSocket, type WaveSocket } from '../support/wave-socket';

const SOCKETS = 1000;
// Sockets opened at once (each batch waits for its handshakes, so the wave takes a few seconds, not minutes).
const BATCH = 100;

describe('a wave of sockets joining one running execution', () => {
  let h: Harness;
  let endpoint: TailEndpoint;

  beforeAll(async () => {
    h = await startHarness({
      env: {
        // The wave is the tail's business; polling ingest keeps the job's lines flowing the settled way.
        LOGSTREAM_INGEST: 'poll',
        // One test process holds the whole wave: the per-address limit is raised for it.
        LOGSTREAM_WS_MAX_SOCKETS_PER_ADDRESS: String(SOCKETS + 10),
        LOGSTREAM_WS_MAX_SOCKETS_PER_KEY: String(SOCKETS + 10),
      },
    });
    endpoint = await startTailEndpoint(h.config, h.aws.dynamodb, { freshMs: 60 * 60_000 });
  });
  afterAll(async () => {
    await endpoint?.stop();
    await h?.stop();
  });

  it(`${SOCKETS} sockets: each line once and in order, the status, and at most 5 DynamoDB reads for the wave`, async () => {
    const id = newExecutionId('wave');
    const stream = `external/${id}`;
    await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
    const job = await startLineJob(h.aws.source, h.config.logGroup, stream, { linesPerTick: 2, tickMs: 200 });
    // One socket before the wave: the tail is running when the wave comes, as when a page is already open.
    const first = openWaveSocket(endpoint.url(id, 0), 0);
    await first.opened;
    await waitFor('the first lines on the first socket', async () => (first.lastIndex >= 10 ? true : undefined));
    const before = { ...endpoint.joinCalls };
    const messages = new Map<WaveSocket, string[]>();
    const sockets: WaveSocket[] = [];
    for (let opened = 0; opened < SOCKETS; opened += BATCH) {
      const batch = Array.from({ length: BATCH }, () => {
        const received: string[] = [];
        const socket = openWaveSocket(endpoint.url(id, 0), 0, (event: IndexedEvent) => received.push(event.message));
        messages.set(socket, received);
        return socket;
      });
      sockets.push(...batch);
      await Promise.all(batch.map((socket) => socket.opened));
    }
    // Joined: every socket has its backlog and is live (past what was written when the last one opened).
    const joinedAt = job.written;
    await waitFor('every socket to be live', async () =>
      sockets.every((socket) => socket.lastIndex >= joinedAt) ? true : undefined,
    );
    const wave = Object.fromEntries(
      Object.entries(endpoint.joinCalls).map(([operation, count]) => [operation, count - (before[operation] ?? 0)]),
    );
    const written = await job.stop();
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
    await waitFor(
      'the status on every socket',
      async () => ([first, ...sockets].every((socket) => socket.status !== undefined) ? true : undefined),
      180_000,
    );
    const lines = Array.from({ length: written }, (_, i) => i + 1);
    expect(first.indexes).toEqual(lines);
    expect(first.status).toEqual({ status: 'SUCCEEDED', lastIndex: written });
    for (const socket of sockets) {
      expect(socket.indexes).toEqual(lines);
      expect(messages.get(socket)?.map((message) => parseJobLine(message).n)).toEqual(lines);
      expect(socket.status).toEqual({ status: 'SUCCEEDED', lastIndex: written });
    }
    // No more than one record read, and a few backlog pages at most: the backlog is in the tail's window,
    // shared by every joiner.
    expect(wave.GetItem ?? 0).toBeLessThanOrEqual(1);
    expect(readsOf(wave)).toBeLessThanOrEqual(5);
  });
});
