import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createApi } from '../api/app';
import { WatchPublisher } from '../ws/watch-publisher';
import { createMetrics } from '../api/metrics';
import { ConfigError, type Config } from '../config';
import { TailHub } from '../ws/tail-hub';
import { TailServer } from '../ws/tail-server';
import { TicketSigner, websocketUrl } from '../ws/ticket';
import { createAwsAdapters, createDirectory, createLogger, runStandalone } from '../compose/wiring';

// How long a stopping server lets requests in flight finish before it cuts their connections.
const STOP_GRACE_MS = 5000;

/** A listening API server. */
export interface RunningServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

/** Starts the REST API (and, on the same server, the WebSocket tail) as the configuration says. */
export async function startServer(config: Config): Promise<RunningServer> {
  if (config.apiKeys.length === 0 && !LOOPBACK.test(config.host)) {
    throw new ConfigError('LOGSTREAM_HOST', 'without LOGSTREAM_API_KEYS the API binds to loopback only');
  }
  if (config.apiKeys.length > 0 && config.ticketSecret === undefined) {
    // With keys a socket needs a ticket, and a ticket signed with a per-process key fails on every other node.
    throw new ConfigError(
      'LOGSTREAM_TICKET_SECRET',
      'required with LOGSTREAM_API_KEYS: the key every API node signs WebSocket tickets with, the same on all of them (e.g. openssl rand -base64 32)',
    );
  }
  const logger = createLogger('logstream-api', config);
  const metrics = createMetrics();
  const aws = createAwsAdapters(config, metrics.observeCall);
  const { directory, connection } = await createDirectory(config);
  const tickets = new TicketSigner(config.ticketSecret, config.ticketTtlMs);
  // Readers of running pushed logs (polling /logs) get their lines as promptly as tails do.
  const readers =
    config.ingest === 'poll'
      ? undefined
      : new WatchPublisher({
          watch: (ids, untilMs) => aws.registry.putWatches(config.kinesisStream, ids, untilMs),
          onError: (error) => logger.warn({ err: error }, 'publishing the read executions failed'),
        });
  const app = createApi({
    ...(readers === undefined ? {} : { watchRunning: (executionId: string) => readers.publish([executionId]) }),
    directory,
    store: aws.store,
    source: aws.source,
    metrics,
    logger,
    logGroup: config.logGroup,
    ingest: config.ingest,
    apiKeys: config.apiKeys,
    websocketUrl: (request, executionId, lastIndex, keyId) =>
      websocketUrl(
        request.headers.get('host') ?? `${config.host}:${config.port}`,
        executionId,
        lastIndex,
        tickets.issue(executionId, keyId),
      ),
  });
  const tails = new TailServer({
    hub: new TailHub({
      store: aws.store,
      directory,
      logger,
      activeTails: metrics.activeTails,
      ingestLag: metrics.ingestLag,
      pollMinMs: config.pollMinMs,
      pollMaxMs: config.ws.pollMaxMs,
      // Pushed logs: the forwarders' tips say which logs grew, so the tails need not poll every log.
      tips:
        config.ingest === 'poll'
          ? undefined
          : {
              source: {
                readTips: () => aws.registry.readTips(config.kinesisStream),
                watch: (ids, untilMs) => aws.registry.putWatches(config.kinesisStream, ids, untilMs),
              },
              chunks: aws.store,
            },
    }),
    store: aws.store,
    directory,
    tickets,
    requireTicket: config.apiKeys.length > 0,
    metrics,
    logger,
    limits: config.ws,
    allowedOrigins: config.ws.allowedOrigins,
  });
  const server: ServerType = await new Promise((resolve, reject) => {
    const created = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolve(created));
    created.once('error', reject);
    // REST and /ws share the server: upgrades go to the tail server.
    tails.attach(created as Server);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (config.apiKeys.length === 0) logger.info('no LOGSTREAM_API_KEYS: API bound to loopback only, without auth');
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    host,
    port: address.port,
    stop: () => {
      stopping ??= (async () => {
        // Sockets first (1001), or server.close() would wait for them.
        await tails.close();
        const http = server as Server;
        const closed = new Promise<void>((resolve) => http.close(() => resolve()));
        // close() waits for every keep-alive connection (a browser holds some open for minutes): idle ones go now,
        // busy ones (a download) get a grace period to finish.
        http.closeIdleConnections();
        const grace = setTimeout(() => http.closeAllConnections(), STOP_GRACE_MS);
        await closed;
        clearTimeout(grace);
        await connection.close();
        aws.destroy();
      })();
      return stopping;
    },
  };
}

if (require.main === module) {
  runStandalone('logstream API', async (config) => {
    const server = await startServer(config);
    return { stop: () => server.stop(), banner: `logstream API listening on ${server.url}` };
  });
}
