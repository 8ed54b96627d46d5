import { Hono } from 'hono';
import type { SearchView } from '../../contract';
import { parseExecutionId, parseIndexParam } from '../../domain';
import { rejectUnknownQuery, type ApiEnv } from '../http';
import type { LogQuery } from '../log-query';
import { searchLog } from '../log-search';
import { compileSearchPattern } from '../search-pattern';
import { parseFlag, parseLimit, parseLogStream } from '../validation';

/** Default page of `/search`: matches, not events read. */
const DEFAULT_SEARCH_LIMIT = 1000;

/**
 * `GET /executions/{id}/search?q=TEXT&since_index=K&limit=M&regex=1&case=1&stream=S`: the events with index > K (of
 * stream S only, when given) whose message matches, paged like `/logs` (`next_index` is the next page's `since_index`, null at the end).
 */
export function searchRoutes(deps: { readonly query: LogQuery }): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.get('/executions/:id/search', async (c) => {
    const executionId = parseExecutionId(c.req.param('id'));
    rejectUnknownQuery(c, ['q', 'since_index', 'limit', 'regex', 'case', 'stream']);
    const matches = compileSearchPattern({
      q: c.req.query('q') ?? '',
      regex: parseFlag(c.req.query('regex'), 'regex'),
      caseSensitive: parseFlag(c.req.query('case'), 'case'),
    });
    const sinceIndex = parseIndexParam(c.req.query('since_index'), 'since_index', 0, Number.MAX_SAFE_INTEGER);
    const raw = c.req.query('limit');
    const limit = raw === undefined ? DEFAULT_SEARCH_LIMIT : parseLimit(raw);
    const streamParam = c.req.query('stream');
    const stream = streamParam === undefined ? undefined : parseLogStream(streamParam, 'stream');
    const execution = await deps.query.resolve(executionId);
    // A throttled CloudWatch read is a 429 with Retry-After (see `toWireError`).
    const page = await searchLog(deps.query, execution, matches, { sinceIndex, limit, stream });
    const body: SearchView = {
      execution_id: executionId,
      status: page.status,
      sealed: page.sealed,
      seal_pending: page.sealPending,
      matches: page.matches,
      next_index: page.nextIndex,
      scanned_to: page.scannedTo,
      source: page.source,
    };
    return c.json(body);
  });
  return routes;
}
