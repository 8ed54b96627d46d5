import type { ExecutionStatus, IndexedEvent } from '../domain';
import type { LogQuery, ResolvedExecution } from './log-query';
import { MAX_LOGS_LIMIT } from './validation';

/** Events one `/search` request reads at most: a bound on its time, whatever the log's length and the pattern. */
export const MAX_SCAN_PER_SEARCH = 100_000;

/** What `/search` answers, before it is turned into JSON. */
export interface SearchPage {
  readonly status: ExecutionStatus;
  /** Matching events with index > `sinceIndex`, in index order. */
  readonly matches: IndexedEvent[];
  /** Where the next page starts (its `since_index`); null when the log was read to its end. */
  readonly nextIndex: number | null;
  /** The highest index this page read: no match at or below it is missing from this page or an earlier one. */
  readonly scannedTo: number;
  readonly source: 'dynamodb' | 'cloudwatch';
  /** Every page came from the sealed log: paging on to `nextIndex === null` found every match of the whole log. */
  readonly sealed: boolean;
  readonly sealPending: boolean;
}

/**
 * Searches a log by reading it through `LogQuery` (the same status-based routing as `/logs`: the stored chunks of a
 * RUNNING or sealed log, else a direct CloudWatch read), one page of `/logs` in memory at a time, for at most
 * `scanBudget` events a request. It stops early at `limit` matches; `nextIndex` is where the next request resumes.
 */
export async function searchLog(
  query: LogQuery,
  execution: ResolvedExecution,
  matches: (message: string) => boolean,
  options: {
    readonly sinceIndex: number;
    readonly limit: number;
    readonly scanBudget?: number;
    /** Only events of this stream match. */
    readonly stream?: string;
  },
): Promise<SearchPage> {
  const budget = options.scanBudget ?? MAX_SCAN_PER_SEARCH;
  const found: IndexedEvent[] = [];
  let since = options.sinceIndex;
  let scanned = 0;
  for (;;) {
    const page = await query.page(execution, since, Math.min(MAX_LOGS_LIMIT, budget - scanned));
    const summary = { status: page.status, source: page.source, sealed: page.sealed, sealPending: page.sealPending };
    for (const event of page.events) {
      if ((options.stream !== undefined && event.stream !== options.stream) || !matches(event.message)) continue;
      found.push(event);
      if (found.length === options.limit) {
        const atEnd = event === page.events[page.events.length - 1] && page.nextIndex === null;
        return { ...summary, matches: found, nextIndex: atEnd ? null : event.index, scannedTo: event.index };
      }
    }
    scanned += page.events.length;
    // A page that read nothing yet says there is more (a throttled direct read): the client resumes there.
    if (page.events.length === 0 && page.nextIndex !== null) {
      return { ...summary, matches: found, nextIndex: page.nextIndex, scannedTo: since };
    }
    const last = page.events[page.events.length - 1]?.index ?? since;
    if (page.nextIndex === null) return { ...summary, matches: found, nextIndex: null, scannedTo: last };
    since = page.nextIndex;
    if (scanned >= budget) return { ...summary, matches: found, nextIndex: since, scannedTo: since };
  }
}
