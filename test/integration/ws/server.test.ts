// The tail server in-process over an in-memory store: slow consumers, dead peers and shutdown.
import http from 'node:http';
import net from 'node:net';
import pino from 'pino';
import { WebSocket, type RawData } from 'ws';
import { createMetrics, type Metrics } from '../../../src/api/metrics';
import { initialCursor } from '../../../src/domain';
import { TailHub } from '../../../src/ws/tail-hub';
import { TailServer } from '../../../src/ws/tail-server';
import { TicketSigner } from '../../../src/ws/ticket';
import { InMemoryLogStore } from '../../support/fakes';

const ID = 'server-test';
const cursor = initialCursor(['s']);

async function until(what: string, probe: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A TCP proxy that can stop reading from the server, like a consumer that stopped reading. */
async function pausableProxy(port: number): Promise<{ port: number; pause(): void; resume(): void; close(): void }> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    pairs.add({ client, upstream });
    for (const socket of [client, upstream]) socket.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    pause: () =>
      pairs.forEach(({ client, upstream }) => {
        upstream.unpipe(client);
        upstream.pause();
      }),
    resume: () => pairs.forEach(({ client, upstream }) => upstream.pipe(client)),
    close: () => {
      pairs.forEach(({ client, upstream }) => {
        client.destroy();
        upstream.destroy();
      });
      server.close();
    },
  };
}

describe('TailServer', () => {
  let store: InMemoryLogStore;
  let metrics: Metrics;
  let tails: TailServer;
  let server: http.Server;
  let port: number;
  const messages: string[] = [];

  beforeAll(async () => {
    store = new InMemoryLogStore();
    await store.registerExecution({ executionId: ID, location: { logGroup: 'g', logStreams: ['s'] }, startedAt: 0 });
    metrics = createMetrics();
    const logger = pino({ level: 'debug' }, { write: (line: string) => void messages.push(line) });
    tails = new TailServer({
      hub: new TailHub({ store, logger, pollMinMs: 5, pollMaxMs: 20 }),
      store,
      tickets: new TicketSigner(),
      requireTicket: false,
      metrics,
      logger,
      limits: {
        maxSocketsPerAddress: 10,
        maxSocketsPerKey: 10,
        maxBufferedBytes: 64 * 1024,
        slowConsumerMs: 200,
        heartbeatMs: 1000,
      },
      allowedOrigins: [],
    });
    server = http.createServer((_request, response) => response.writeHead(404).end());
    tails.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await tails.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const openSockets = async (): Promise<number> => (await metrics.openSockets.get()).values[0]?.value ?? Number.NaN;

  it('closes a consumer that stops reading with 4008, after everything it was sent: it can resume from there', async () => {
    const proxy = await pausableProxy(port);
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws?execution_id=${ID}&last_index=0`);
    const indexes: number[] = [];
    let close: { code: number; reason: string } | undefined;
    ws.on('message', (data: RawData) => {
      const message = JSON.parse(data.toString()) as { events?: { index: number }[] };
      for (const event of message.events ?? []) indexes.push(event.index);
    });
    ws.on('close', (code, reason) => (close = { code, reason: reason.toString() }));
    await new Promise((resolve) => ws.once('open', resolve));
    proxy.pause();
    // Live events until the server gives up on the consumer (kernel buffers absorb the first megabytes).
    const line = 'x'.repeat(1000);
    let next = 1;
    while (!messages.some((m) => m.includes('closing a slow consumer'))) {
      if (next > 64 * 1024) throw new Error('the slow consumer was never closed');
      const events = Array.from({ length: 250 }, (_, i) => ({ timestamp: next + i, message: line }));
      await store.appendChunk(ID, { seq: next, last: next + 249, events, cursor });
      next += 250;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    proxy.resume();
    await until('the close', () => close !== undefined);
    proxy.close();
    expect(close?.code).toBe(4008);
    const resumeFrom = Number(/last_index=(\d+)/.exec(close?.reason ?? '')?.[1]);
    expect(indexes).toEqual(Array.from({ length: resumeFrom }, (_, i) => i + 1));
    await until('the socket to be released', () => messages.some((m) => m.includes('"msg":"tail closed"')));
    expect(await openSockets()).toBe(0);
  });

  it('terminates a peer that does not answer pings', async () => {
    const raw = net.connect(port, '127.0.0.1');
    raw.on('error', () => undefined);
    let closed = false;
    raw.on('close', () => (closed = true));
    // Reads (and ignores) everything, answers nothing: a half-dead client.
    raw.on('data', () => undefined);
    raw.write(
      `GET /ws?execution_id=${ID}&last_index=${0} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
        'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await until('the heartbeat to terminate the socket', () => closed);
    expect(messages.some((m) => m.includes('terminating an unresponsive socket'))).toBe(true);
  });

  it('closes sockets with 1001 on shutdown, and close() can be called twice', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?execution_id=${ID}&last_index=0`);
    ws.on('message', () => undefined);
    const code = new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    await new Promise((resolve) => ws.once('open', resolve));
    await Promise.all([tails.close(), tails.close()]);
    expect(await code).toBe(1001);
    await tails.close();
  });
});
