import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { ERROR_CODES, toWireError } from '../contract';
import { RequestRefusedError } from '../domain';
import type { ExecutionDirectory, LogSource, LogStore } from '../ports';
import { apiKeyAuth } from './auth';
import { downloadRoutes } from './download-routes';
import type { ApiEnv } from './http';
import { LogQuery } from './log-query';
import type { Metrics } from './metrics';
import { executionRoutes } from './routes/executions';
import { logRoutes } from './routes/logs';
import { probeRoutes } from './routes/probes';
import { searchRoutes } from './routes/search';
import { webRoutes } from './web-routes';

/** Everything the REST API needs. */
export interface ApiDeps {
  readonly directory: ExecutionDirectory;
  readonly store: LogStore;
  readonly source: LogSource;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly logGroup: string;
  /** The configured ingest setting (config `ingest`): with `poll` a new execution's record is written at its start. */
  readonly ingest?: 'auto' | 'push' | 'poll';
  /** Keys accepted as `Authorization: Bearer KEY`; empty = no auth (the server then binds to loopback only). */
  readonly apiKeys: readonly string[];
  /** The `websocket_url` for a client resuming after `lastIndex`; `keyId` identifies the caller's API key ('' without keys). */
  readonly websocketUrl: (request: Request, executionId: string, lastIndex: number, keyId: string) => string;
  readonly now?: () => number;
  /** Someone reads a running pushed log through `/logs` (see `LogQueryDeps.watchRunning`). */
  readonly watchRunning?: (executionId: string) => void;
}

const MAX_BODY_BYTES = 256 * 1024;

/** The REST API as a Hono app (served by `src/main/server.ts`, called in-process by tests). */
export function createApi(deps: ApiDeps): Hono<ApiEnv> {
  const query = new LogQuery({
    directory: deps.directory,
    store: deps.store,
    source: deps.source,
    onFallback: (executionId, reason, error) => {
      deps.metrics.logsFallbacks.inc({ reason: reason.split(':')[0] ?? reason });
      deps.logger.info({ executionId, reason, err: error }, 'logs served from CloudWatch');
    },
    ...(deps.watchRunning === undefined ? {} : { watchRunning: deps.watchRunning }),
  });
  const app = new Hono<ApiEnv>();

  // Every error becomes a response in one place (`toWireError`, shared with the WebSocket upgrade).
  app.onError((error, c) => {
    const { status, body, retryAfterSeconds } = toWireError(error);
    if (status >= 500) deps.logger.error({ err: error, path: c.req.path }, 'request failed');
    if (retryAfterSeconds !== undefined) c.header('Retry-After', String(retryAfterSeconds));
    return c.json(body, status);
  });
  app.notFound((c) =>
    c.json(
      { error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` } },
      ERROR_CODES.NOT_FOUND.status,
    ),
  );
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => {
        // The rest of the body is left unread: the connection cannot be reused for another request.
        c.header('Connection', 'close');
        throw new RequestRefusedError('BODY_TOO_LARGE', `request body must be at most ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );
  // The web app's pages and assets hold no data: mounted before auth, they load without a key.
  app.route('/', webRoutes());
  app.use('*', apiKeyAuth(deps.apiKeys));

  app.route('/', probeRoutes(deps));
  app.route('/', executionRoutes({ ...deps, query, now: deps.now ?? Date.now }));
  app.route('/', logRoutes({ ...deps, query }));
  app.route('/', searchRoutes({ query }));
  app.route('/', downloadRoutes({ query }));
  return app;
}
