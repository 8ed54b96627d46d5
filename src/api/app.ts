import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import {
  InvalidInputError,
  judgeCompleteness,
  managedLogStream,
  parseExecutionId,
  TERMINAL_STATUSES,
  type ExecutionStatus,
  type LogLocation,
} from '../domain';
import type { ExecutionDirectory, LogSource, LogStore } from '../ports';
import { HttpError, toErrorResponse } from './errors';
import { LogQuery, type ResolvedExecution } from './log-query';
import type { Metrics } from './metrics';
import {
  parseCommand,
  parseCompletedAt,
  parseExitCode,
  parseIndexParam,
  parseLimit,
  parseLogGroup,
  parseLogStream,
  parseTerminalStatus,
  rejectUnknownFields,
} from './validation';

/** Everything the REST API needs. */
export interface ApiDeps {
  readonly directory: ExecutionDirectory;
  readonly store: LogStore;
  readonly source: LogSource;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly logGroup: string;
  /** Keys accepted as `Authorization: Bearer KEY`; empty = no auth (the server then binds to loopback only). */
  readonly apiKeys: readonly string[];
  /** The `websocket_url` for a client resuming after `lastIndex`; `keyId` identifies the caller's API key ('' without keys). */
  readonly websocketUrl: (request: Request, executionId: string, lastIndex: number, keyId: string) => string;
  readonly now?: () => number;
}

const MAX_BODY_BYTES = 256 * 1024;
const MAX_LIST_LIMIT = 1000;

/** The REST API as a Hono app (served by `src/main/server.ts`, called in-process by tests). */
export function createApi(deps: ApiDeps): Hono<{ Variables: { apiKeyId: string } }> {
  const now = deps.now ?? Date.now;
  const query = new LogQuery({
    directory: deps.directory,
    store: deps.store,
    source: deps.source,
    onFallback: (executionId, reason, error) => {
      deps.metrics.logsFallbacks.inc({ reason: reason.split(':')[0] ?? reason });
      deps.logger.info({ executionId, reason, err: error }, 'logs served from CloudWatch');
    },
  });
  const app = new Hono<{ Variables: { apiKeyId: string } }>();

  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error);
    if (status >= 500) deps.logger.error({ err: error, path: c.req.path }, 'request failed');
    return c.json(body, status);
  });
  app.notFound((c) =>
    c.json({ error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => {
        // The rest of the body is left unread: the connection cannot be reused for another request.
        c.header('Connection', 'close');
        throw new HttpError(413, 'BODY_TOO_LARGE', `request body must be at most ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );

  // Probes stay open; everything else needs a key when keys are configured.
  const keyDigests = deps.apiKeys.map(digest);
  app.use('*', async (c, next) => {
    c.set('apiKeyId', '');
    if (keyDigests.length === 0 || c.req.path === '/healthz' || c.req.path === '/readyz') return next();
    const header = c.req.header('authorization');
    const match = header === undefined ? null : /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
    if (!match?.[1]) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new HttpError(401, 'UNAUTHENTICATED', 'send Authorization: Bearer <API key>');
    }
    const given = digest(match[1]);
    if (!keyDigests.some((key) => timingSafeEqual(key, given))) {
      throw new HttpError(403, 'FORBIDDEN', 'unknown API key');
    }
    // A short, non-secret id of the key: WebSocket tickets carry it so sockets are limited per key.
    c.set('apiKeyId', given.toString('hex').slice(0, 12));
    return next();
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks = await Promise.all([
      check('temporal', () => deps.directory.ping()),
      check('dynamodb', () => deps.store.ping()),
      check('cloudwatch', () => deps.source.ping()),
    ]);
    const failing = checks.filter((result) => !result.ok);
    if (failing.length === 0) return c.json({ status: 'ready', checks });
    return c.json(
      {
        error: { code: 'NOT_READY', message: `not ready: ${failing.map((f) => f.dependency).join(', ')} failing` },
        checks,
      },
      503,
    );
  });
  app.get('/metrics', async (c) => {
    c.header('Content-Type', deps.metrics.registry.contentType);
    return c.body(await deps.metrics.registry.metrics());
  });

  app.post('/executions', async (c) => {
    const body = await jsonBody(c);
    rejectUnknownFields(body, ['command', 'execution_id', 'log_group', 'log_stream']);
    const executionId = body.execution_id === undefined ? randomUUID() : parseExecutionId(body.execution_id);
    let location: LogLocation;
    let command: string[] | undefined;
    if (body.command !== undefined) {
      if (body.log_group !== undefined || body.log_stream !== undefined) {
        throw new InvalidInputError('command', 'give either command, or log_group and log_stream, not both');
      }
      command = parseCommand(body.command);
      location = { logGroup: deps.logGroup, logStreams: [managedLogStream(executionId)] };
    } else if (body.log_group !== undefined || body.log_stream !== undefined) {
      location = { logGroup: parseLogGroup(body.log_group), logStreams: [parseLogStream(body.log_stream)] };
    } else {
      throw new InvalidInputError('command', 'give a command, or the log_group and log_stream of an external job');
    }
    // A sealed record outlives Temporal's retention: its id stays taken. An unsealed one may be
    // left by a start that failed half-way, and retrying that start must work.
    const existing = await deps.store.getExecution(executionId);
    if (existing?.seal) throw new HttpError(409, 'EXECUTION_EXISTS', `execution ${executionId} already exists`);
    await deps.store.registerExecution({ executionId, location, startedAt: now() });
    await deps.directory.start({ executionId, location, command });
    deps.logger.info({ executionId, managed: command !== undefined }, 'execution started');
    return c.json({ execution_id: executionId, status: 'RUNNING', logs_url: `/executions/${executionId}/logs` }, 201);
  });

  app.get('/executions', async (c) => {
    const statusParam = c.req.query('status');
    let status: ExecutionStatus | undefined;
    if (statusParam !== undefined) {
      if (statusParam !== 'RUNNING' && !(TERMINAL_STATUSES as readonly string[]).includes(statusParam)) {
        throw new InvalidInputError('status', 'status must be RUNNING, SUCCEEDED, FAILED or STOPPED');
      }
      status = statusParam as ExecutionStatus;
    }
    const limit = parseLimit(c.req.query('limit') ?? '50', MAX_LIST_LIMIT);
    const executions = await deps.directory.list({ status, limit });
    return c.json({
      executions: executions.map((e) => ({
        execution_id: e.executionId,
        status: e.status,
        started_at: iso(e.startedAt),
        completed_at: iso(e.completedAt),
      })),
    });
  });

  app.get('/executions/:id', async (c) => {
    const execution = await query.resolve(parseExecutionId(c.req.param('id')));
    const latest = await deps.store.latestChunk(execution.executionId).catch(() => undefined);
    const seal = execution.record?.seal;
    const verdict = judgeCompleteness({
      sealed: seal !== undefined,
      running: execution.status === 'RUNNING',
      open: execution.open,
    });
    return c.json({
      execution_id: execution.executionId,
      status: execution.status,
      started_at: iso(execution.startedAt),
      completed_at: iso(execution.completedAt),
      last_index: seal?.lastIndex ?? latest?.last ?? 0,
      sealed: seal !== undefined,
      seal_pending: verdict.sealPending,
      exit_code: seal?.exitCode ?? null,
    });
  });

  app.post('/executions/:id/complete', async (c) => {
    const executionId = parseExecutionId(c.req.param('id'));
    const body = await jsonBody(c);
    rejectUnknownFields(body, ['status', 'completed_at', 'exit_code']);
    const completion = {
      status: parseTerminalStatus(body.status),
      completedAt: parseCompletedAt(body.completed_at, now()),
      ...(body.exit_code === undefined ? {} : { exitCode: parseExitCode(body.exit_code) }),
    };
    await deps.directory.complete(executionId, completion);
    return c.json(
      { execution_id: executionId, status: completion.status, completed_at: iso(completion.completedAt) },
      202,
    );
  });

  app.post('/executions/:id/stop', async (c) => {
    const executionId = parseExecutionId(c.req.param('id'));
    await deps.directory.stop(executionId);
    return c.json({ execution_id: executionId, status: 'STOPPED' }, 202);
  });

  app.get('/executions/:id/logs', async (c) => {
    const executionId = parseExecutionId(c.req.param('id'));
    rejectUnknownQuery(c, ['since_index', 'limit']);
    const sinceIndex = parseIndexParam(c.req.query('since_index'), 'since_index', 0, Number.MAX_SAFE_INTEGER);
    const limit = parseLimit(c.req.query('limit'));
    const execution: ResolvedExecution = await query.resolve(executionId);
    const page = await query.page(execution, sinceIndex, limit);
    deps.metrics.logsServed.inc({ source: page.source });
    const resumeAfter = page.events[page.events.length - 1]?.index ?? sinceIndex;
    return c.json({
      execution_id: executionId,
      status: page.status,
      sealed: page.sealed,
      seal_pending: page.sealPending,
      events: page.events,
      last_index: page.lastIndex,
      next_index: page.nextIndex,
      websocket_url: page.running ? deps.websocketUrl(c.req.raw, executionId, resumeAfter, c.get('apiKeyId')) : '',
      source: page.source,
    });
  });

  return app;
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json');
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new InvalidInputError('body', 'request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInputError('body', 'request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function rejectUnknownQuery(c: Context, allowed: readonly string[]): void {
  const seen = new URL(c.req.url).searchParams;
  for (const key of seen.keys()) {
    if (!allowed.includes(key)) throw new InvalidInputError(key, `unknown query parameter ${JSON.stringify(key)}`);
  }
  for (const key of allowed) {
    if (seen.getAll(key).length > 1) throw new InvalidInputError(key, `${key} given more than once`);
  }
}

async function check(
  dependency: string,
  probe: () => Promise<void>,
): Promise<{ dependency: string; ok: boolean; error?: string }> {
  try {
    await probe();
    return { dependency, ok: true };
  } catch (error) {
    return { dependency, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

// Comparing fixed-size digests keeps the comparison constant-time whatever the key lengths.
function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
