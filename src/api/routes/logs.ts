import { Hono } from 'hono';
import type { LogsView } from '../../contract';
import { parseExecutionId, parseIndexParam } from '../../domain';
import { rejectUnknownQuery, type ApiEnv } from '../http';
import type { LogQuery, ResolvedExecution } from '../log-query';
import type { Metrics } from '../metrics';
import { parseLimit } from '../validation';

/** What the logs route needs. */
export interface LogRouteDeps {
  readonly query: LogQuery;
  readonly metrics: Metrics;
  /** The `websocket_url` for a client resuming after `lastIndex`; `keyId` identifies the caller's API key. */
  readonly websocketUrl: (request: Request, executionId: string, lastIndex: number, keyId: string) => string;
}

/** `GET /executions/{id}/logs`: a page of the log, saying whether it is the sealed log (see `LogQuery`). */
export function logRoutes(deps: LogRouteDeps): Hono<ApiEnv> {
  const { query } = deps;
  const routes = new Hono<ApiEnv>();

  routes.get('/executions/:id/logs', async (c) => {
    const executionId = parseExecutionId(c.req.param('id'));
    rejectUnknownQuery(c, ['since_index', 'limit']);
    const sinceIndex = parseIndexParam(c.req.query('since_index'), 'since_index', 0, Number.MAX_SAFE_INTEGER);
    const limit = parseLimit(c.req.query('limit'));
    const execution: ResolvedExecution = await query.resolve(executionId);
    // A throttled CloudWatch read fails with a throttled error: a 429 with Retry-After (see `toWireError`).
    const page = await query.page(execution, sinceIndex, limit);
    deps.metrics.logsServed.inc({ source: page.source });
    const resumeAfter = page.events[page.events.length - 1]?.index ?? sinceIndex;
    const body: LogsView = {
      execution_id: executionId,
      status: page.status,
      sealed: page.sealed,
      seal_pending: page.sealPending,
      events: page.events,
      last_index: page.lastIndex,
      next_index: page.nextIndex,
      websocket_url: page.running ? deps.websocketUrl(c.req.raw, executionId, resumeAfter, c.get('apiKeyId')) : '',
      source: page.source,
    };
    return c.json(body);
  });

  return routes;
}
