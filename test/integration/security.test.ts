// The security defaults of docs/api.md on the real stack: a non-loopback bind needs API keys, and browser sockets
// must come from the API's own origin or one of LOGSTREAM_WS_ALLOWED_ORIGINS.
import net from 'node:net';
import { WebSocket } from 'ws';
import { findFreePort } from '../../src/devstack/local-stack';
import { startServer } from '../../src/main/server';
import { LogstreamClient } from '../../src/client/client';
import { newExecutionId, startHarness, testConfig, TEST_TICKET_SECRET, type Harness } from '../support/harness';

/** The HTTP status an upgrade request with these headers gets (101 when the socket opened; it is closed at once). */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
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

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('binding beyond loopback', () => {
  it.each(['0.0.0.0', '::'])('is refused for %s without LOGSTREAM_API_KEYS, and nothing listens', async (host) => {
    const port = await findFreePort('127.0.0.1');
    const config = testConfig({ LOGSTREAM_HOST: host, LOGSTREAM_PORT: String(port), LOGSTREAM_API_KEYS: '' });
    await expect(startServer(config)).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      variable: 'LOGSTREAM_HOST',
      message: expect.stringContaining('LOGSTREAM_API_KEYS'),
    });
    expect(await listening('127.0.0.1', port)).toBe(false);
  });

  it('is allowed with keys, and then every route but the probes needs one', async () => {
    const key = 'security-test-key-0123456789';
    const server = await startServer(
      testConfig({ LOGSTREAM_HOST: '0.0.0.0', LOGSTREAM_API_KEYS: key, LOGSTREAM_TICKET_SECRET: TEST_TICKET_SECRET }),
    );
    try {
      expect(server.host).toBe('0.0.0.0');
      const url = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/executions`)).status).toBe(401);
      expect(
        (await fetch(`${url}/executions`, { headers: { authorization: 'Bearer not-the-key-at-all' } })).status,
      ).toBe(403);
      expect((await fetch(`${url}/executions`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe('LOGSTREAM_TICKET_SECRET: API nodes behind one URL', () => {
  const key = 'ticket-secret-test-key-0123456789';

  it('is required with API keys: the API refuses to start without it, and nothing listens', async () => {
    const port = await findFreePort('127.0.0.1');
    const config = testConfig({ LOGSTREAM_PORT: String(port), LOGSTREAM_API_KEYS: key, LOGSTREAM_TICKET_SECRET: '' });
    await expect(startServer(config)).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      variable: 'LOGSTREAM_TICKET_SECRET',
      message: expect.stringContaining('LOGSTREAM_API_KEYS'),
    });
    expect(await listening('127.0.0.1', port)).toBe(false);
  });

  describe('with two nodes sharing the secret and one with another', () => {
    let h: Harness;
    let peer: Awaited<ReturnType<typeof startServer>>;
    let stranger: Awaited<ReturnType<typeof startServer>>;
    let id: string;
    beforeAll(async () => {
      const env = { LOGSTREAM_API_KEYS: key, LOGSTREAM_TICKET_SECRET: TEST_TICKET_SECRET };
      // No worker: the execution stays RUNNING (nobody polls its task queue), which is all a tail needs.
      h = await startHarness({ worker: false, env });
      peer = await startServer(testConfig({ ...env, LOGSTREAM_TASK_QUEUE: h.config.taskQueue }));
      stranger = await startServer(
        testConfig({ ...env, LOGSTREAM_TICKET_SECRET: 'another-ticket-secret-0123456789abcdef' }),
      );
      id = newExecutionId('ticket-secret');
      await new LogstreamClient({ url: h.server.url, apiKey: key }).start({ command: ['true'], executionId: id });
    });
    afterAll(async () => {
      await h?.temporal.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
      await stranger?.stop();
      await peer?.stop();
      await h?.stop();
    });

    it('a ticket issued by one node opens a socket on the other, and not on a node with another secret', async () => {
      const url =
        (await new LogstreamClient({ url: h.server.url, apiKey: key }).getHandle(id).logs()).websocketUrl ?? '';
      const at = (port: number): string => url.replace(/^ws:\/\/[^/]+/, `ws://127.0.0.1:${port}`);
      expect({
        issuer: await upgradeStatus(url, {}),
        peer: await upgradeStatus(at(peer.port), {}),
        stranger: await upgradeStatus(at(stranger.port), {}),
      }).toEqual({ issuer: 101, peer: 101, stranger: 401 });
    });
  });
});

describe('LOGSTREAM_WS_ALLOWED_ORIGINS', () => {
  const allowed = 'https://app.example.com';
  let h: Harness;
  let id: string;
  beforeAll(async () => {
    // No worker: the execution stays RUNNING (nobody polls its task queue), which is all a tail needs.
    h = await startHarness({
      worker: false,
      env: { LOGSTREAM_WS_ALLOWED_ORIGINS: `${allowed}/, http://other.test:3000` },
    });
    id = newExecutionId('origins');
    await h.client.start({ command: ['true'], executionId: id });
  });
  afterAll(async () => {
    await h?.temporal.workflow
      .getHandle(id)
      .terminate('test done')
      .catch(() => undefined);
    await h?.stop();
  });

  it('lets in sockets from the listed origins and the API own, and refuses any other with 403', async () => {
    const url = (await h.client.getHandle(id).logs()).websocketUrl ?? '';
    const own = `http://127.0.0.1:${h.server.port}`;
    const statuses = {
      listed: await upgradeStatus(url, { Origin: allowed }),
      listedWithPort: await upgradeStatus(url, { Origin: 'http://other.test:3000' }),
      own: await upgradeStatus(url, { Origin: own }),
      noOrigin: await upgradeStatus(url, {}),
      otherScheme: await upgradeStatus(url, { Origin: 'http://app.example.com' }),
      otherPort: await upgradeStatus(url, { Origin: 'http://other.test:3001' }),
      subdomain: await upgradeStatus(url, { Origin: 'https://evil.app.example.com' }),
      foreign: await upgradeStatus(url, { Origin: 'https://evil.example' }),
      null: await upgradeStatus(url, { Origin: 'null' }),
    };
    expect(statuses).toEqual({
      listed: 101,
      listedWithPort: 101,
      own: 101,
      noOrigin: 101,
      otherScheme: 403,
      otherPort: 403,
      subdomain: 403,
      foreign: 403,
      null: 403,
    });
  });
});
