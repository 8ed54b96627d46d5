import { Hono } from 'hono';
import { backoffDelay, parseExecutionId, type IndexedEvent } from '../domain';
import { rejectUnknownQuery, type ApiEnv } from './http';
import type { LogQuery, ResolvedExecution } from './log-query';
import { MAX_LOGS_LIMIT, parseFlag } from './validation';

/** What the download routes need. */
export interface DownloadRouteDeps {
  readonly query: LogQuery;
}

type Format = 'txt' | 'jsonl';

const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  txt: 'text/plain; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

/**
 * `GET /executions/{id}/logs.txt` and `.jsonl`: the whole log as a download, streamed page by page
 * through the `/logs` query (one page in memory at a time, read only as fast as the client takes it).
 * Headers say whether it is the sealed log: an unsealed one is what exists so far, named `.partial`.
 */
export function downloadRoutes(deps: DownloadRouteDeps): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  for (const format of ['txt', 'jsonl'] as const) {
    routes.get(`/executions/:id/logs.${format}`, async (c) => {
      const executionId = parseExecutionId(c.req.param('id'));
      rejectUnknownQuery(c, format === 'txt' ? ['prefix'] : []);
      // The text is the log as printed; `prefix=1` puts each line's stream in front of it, as `[stream] `.
      const prefix = parseFlag(c.req.query('prefix'), 'prefix');
      const execution = await deps.query.resolve(executionId);
      // The first page is read before the headers go out: its errors still become a JSON error response.
      const first = await deps.query.page(execution, 0, MAX_LOGS_LIMIT);
      const sealed = first.sealed;
      const filename = `${executionId}${sealed ? '' : '.partial'}.${format === 'txt' ? 'log' : 'jsonl'}`;
      c.header('Content-Type', CONTENT_TYPES[format]);
      c.header('Content-Disposition', `attachment; filename="${filename}"`);
      c.header('Cache-Control', 'no-store');
      c.header('X-Logstream-Status', first.status);
      c.header('X-Logstream-Sealed', String(sealed));
      if (sealed) c.header('X-Logstream-Last-Index', String(first.lastIndex));
      return c.body(logStream(deps.query, execution, first.events, first.nextIndex, format, prefix));
    });
  }
  return routes;
}

function logStream(
  query: LogQuery,
  execution: ResolvedExecution,
  firstEvents: IndexedEvent[],
  firstNext: number | null,
  format: Format,
  prefix: boolean,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let pending: IndexedEvent[] | undefined = firstEvents;
  let next = firstNext;
  return new ReadableStream<Uint8Array>(
    {
      // Pulled only when the client has taken the previous page: memory stays at about one page.
      async pull(controller) {
        let events = pending;
        pending = undefined;
        if (!events) {
          if (next === null) {
            controller.close();
            return;
          }
          // An error here aborts the transfer (no terminating chunk): the client sees a broken download,
          // never a truncated file that looks whole.
          const since = next;
          const page = await withRetries(() => query.page(execution, since, MAX_LOGS_LIMIT));
          if (page.events.length === 0 && page.nextIndex !== null) {
            throw new Error(`no progress reading the log after index ${since}`);
          }
          events = page.events;
          next = page.nextIndex;
        }
        if (events.length > 0) controller.enqueue(encoder.encode(render(events, format, prefix)));
        else if (next === null) controller.close();
      },
    },
    { highWaterMark: 1 },
  );
}

// Mid-stream the status line is gone: a retryable failure (throttling, a blip) is retried here a few times
// with back-off before the transfer is aborted.
const RETRIES = 4;
const RETRY_BASE_MS = 250;

async function withRetries<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      // By the error's own classification (DependencyError.retryable), never by its class or message.
      const retryable = (error as { retryable?: unknown } | null)?.retryable === true;
      if (!retryable || attempt === RETRIES) throw error;
      const stepMs = backoffDelay(attempt + 1, {
        baseMs: RETRY_BASE_MS,
        maxMs: Number.POSITIVE_INFINITY,
        jitter: 'none',
      });
      await new Promise((resolve) => setTimeout(resolve, stepMs * (0.5 + Math.random())));
    }
  }
}

function render(events: readonly IndexedEvent[], format: Format, prefix: boolean): string {
  let out = '';
  for (const event of events) {
    if (format === 'jsonl') out += `${JSON.stringify(event)}\n`;
    else out += prefix ? `[${event.stream ?? ''}] ${event.message}\n` : `${event.message}\n`;
  }
  return out;
}
