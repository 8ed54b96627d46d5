// A wave of sockets joining one running execution through the tail server, in-process over the
// in-memory store: every socket gets every event once, in order, then the status, while the wave costs
// one record read for the upgrade checks and a bounded number of reads for its backlogs.
import http from 'node:http';
import type net from 'node:net';
import pino from 'pino';
import { createMetrics } from '../../../src/api/metrics';
import type { ExecutionInfo } from '../../../src/domain';
import type { ExecutionDirectory, LogStore } from '../../../src/ports';
import { TailHub } from '../../../src/ws/tail-hub';
import { TailServer } from '../../../src/ws/tail-server';
import { TicketSigner } from '../../../src/ws/ticket';
import { InMemoryLogStore } from '../../support/fakes';
import { appendEvents, range, registerExecution, until } from '../../support/tail-sinks';
import { openWaveSocket, type WaveSocket } from '../../support/wave-socket';

const ID = 'wave-test';
const SOCKETS = 200;

/** `store` with its calls counted by operation. */
function counted(store: LogStore): { store: LogStore; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const count = (operation: string): void => void (calls[operation] = (calls[operation] ?? 0) + 1);
  return {
    calls,
    store: {
      latestChunk: (id) => (count('latestChunk'), store.latestChunk(id)),
      appendChunk: (id, chunk) => (count('appendChunk'), store.appendChunk(id, chunk)),
      readChunks: (id, from) => (count('readChunks'), store.readChunks(id, from)),
      registerExecution: (record) => (count('registerExecution'), store.registerExecution(record)),
      getExecution: (id) => (count('getExecution'), store.getExecution(id)),
      sealLog: (id, seal, expiresAt) => (count('sealLog'), store.sealLog(id, seal, expiresAt)),
      ping: () => (count('ping'), store.ping()),
    },
  };
}

describe('a join wave through the tail server', () => {
  it(`${SOCKETS} sockets joining a running execution: each event once, in order; reads that do not grow with the wave`, async () => {
    const store = new InMemoryLogStore();
    await registerExecution(store, ID);
    let last = 0;
    const appendChunk = async (): Promise<void> => {
      await appendEvents(store, ID, last + 1, 4);
      last += 4;
    };
    for (let i = 0; i < 10; i++) await appendChunk();
    const upgrade = counted(store);
    const join = counted(store);
    const { url, stop } = await startTails({ store, joinStore: join.store, upgradeStore: upgrade.store });
    try {
      const sockets: WaveSocket[] = [];
      for (let i = 0; i < SOCKETS; i++) {
        sockets.push(openWaveSocket(url, 0));
        // The log grows while the wave joins.
        if (i % 50 === 0) await appendChunk();
      }
      await Promise.all(sockets.map((socket) => socket.opened));
      for (let i = 0; i < 5; i++) await appendChunk();
      await store.sealLog(ID, { status: 'SUCCEEDED', completedAt: 1, lastIndex: last, sealedAt: 2 }, 2e9);
      await until('every socket to get the status', () => sockets.every((socket) => socket.status !== undefined));
      for (const socket of sockets) {
        expect(socket.indexes).toEqual(range(1, last));
        expect(socket.status).toEqual({ status: 'SUCCEEDED', lastIndex: last });
      }
      expect(upgrade.calls).toEqual({ getExecution: 1 });
      // The tail's start (latest chunk and record) and at most one read for the backlog before its window.
      expect(join.calls.latestChunk).toBe(1);
      expect(join.calls.getExecution).toBe(1);
      expect(join.calls.readChunks ?? 0).toBeLessThanOrEqual(1);
    } finally {
      await stop();
    }
  });

  it('a wave on an execution the store has no record of yet shares one directory look-up', async () => {
    const store = new InMemoryLogStore();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const directory = {
      calls: 0,
      describe: async (executionId: string): Promise<ExecutionInfo> => {
        directory.calls++;
        await gate;
        return { executionId, status: 'RUNNING', open: true, startedAt: 0 };
      },
      start: () => Promise.reject(new Error('unused')),
      list: () => Promise.reject(new Error('unused')),
      complete: () => Promise.reject(new Error('unused')),
      stop: () => Promise.reject(new Error('unused')),
      ping: () => Promise.resolve(),
    };
    const { url, server, stop } = await startTails({ store, directory });
    let arrived = 0;
    server.on('upgrade', () => arrived++);
    try {
      const sockets = Array.from({ length: 50 }, () => openWaveSocket(url, 0));
      await until('every upgrade request to arrive', () => arrived === sockets.length);
      // The in-memory store answers within microtasks: one macrotask later every check waits for the directory.
      await new Promise((resolve) => setImmediate(resolve));
      release();
      await Promise.all(sockets.map((socket) => socket.opened));
      expect(directory.calls).toBe(1);
      await registerExecution(store, ID);
      await appendEvents(store, ID, 1, 3);
      await until('the first events on every socket', () => sockets.every((socket) => socket.lastIndex === 3));
      for (const socket of sockets) expect(socket.indexes).toEqual([1, 2, 3]);
    } finally {
      await stop();
    }
  });
});

/** A tail server on a loopback port; its clock stands still, so a record read is reused for a whole wave here. */
async function startTails(options: {
  store: LogStore;
  joinStore?: LogStore;
  upgradeStore?: LogStore;
  directory?: ExecutionDirectory;
}): Promise<{ url: string; server: http.Server; stop(): Promise<void> }> {
  const logger = pino({ level: 'silent' });
  const { store, joinStore, upgradeStore, directory } = options;
  const tails = new TailServer({
    hub: new TailHub({ store, joinStore, logger, pollMinMs: 5, pollMaxMs: 20, sealCheckMs: 20 }),
    store: upgradeStore ?? store,
    directory,
    tickets: new TicketSigner(),
    requireTicket: false,
    metrics: createMetrics(),
    logger,
    limits: {
      maxSocketsPerAddress: SOCKETS,
      maxSocketsPerKey: SOCKETS,
      maxBufferedBytes: 1 << 20,
      slowConsumerMs: 10_000,
      heartbeatMs: 60_000,
    },
    allowedOrigins: [],
    now: () => 0,
  });
  const server = http.createServer((_request, response) => response.writeHead(404).end());
  tails.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/ws?execution_id=${ID}&last_index=0`,
    server,
    stop: async () => {
      await tails.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
