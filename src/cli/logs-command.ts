import {
  LogNotSealedError,
  type ExecutionDescription,
  type ExecutionHandle,
  type FollowOptions,
  type LogPage,
  type SearchPage,
} from '../client/client';
import type { IndexedEvent } from '../domain';
import { lineFilter, filtersNothing, type LineFilterOptions } from './line-filter';
import { formatEvent } from './line-format';
import { OutputFile } from './output-file';
import { readTail } from './tail-window';

/** Writes what the CLI prints; tests replace it. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Resolves once what `out` queued has been taken by the reader (a slow pipe holds back the reading). */
  drained?(): Promise<void>;
}

/** What `logstream logs` (and `run`, which follows) is asked for. */
export interface LogsRequest {
  readonly sinceIndex: number;
  readonly follow: boolean;
  readonly json: boolean;
  readonly sealWaitSeconds: number;
  /** Print only the last N lines that pass the filter (then follow, with `follow`). */
  readonly tail?: number;
  readonly filter?: LineFilterOptions;
  readonly timestamps?: boolean;
  readonly color?: boolean;
  /** Print each line's stream in front of it (`--prefix`). */
  readonly prefix?: boolean;
  /** Write the lines to this file (atomically) instead of stdout. */
  readonly output?: string;
}

// The first window a filtered --tail reads backwards: large enough that most tails take one read.
const FILTERED_FIRST_WINDOW = 2000;
// Lines printed between two waits for a slow reader.
const DRAIN_EVERY = 1000;
// The largest page of /logs.
const MAX_PAGE = 10_000;

/**
 * Prints an execution's log as asked; with `follow`, until its log is sealed. Throws
 * `LogNotSealedError` when what it printed (or wrote to the output file) is not provably the whole log.
 */
export async function printLogs(
  execution: ExecutionHandle,
  io: CliIo,
  request: LogsRequest,
): Promise<ExecutionDescription> {
  const filter = request.filter ?? {};
  const keep = lineFilter(filter);
  const file = request.output === undefined ? undefined : OutputFile.open(request.output);
  const format = {
    json: request.json,
    timestamps: request.timestamps ?? false,
    color: file === undefined && (request.color ?? false),
    highlight: filter.grep,
    prefix: request.prefix ?? false,
  };
  const write = file ? (line: string) => file.writeLine(line) : (line: string) => io.out(line);
  const print = (event: IndexedEvent): void => {
    if (keep(event)) write(formatEvent(event, format));
  };
  const sealWaitMs = request.sealWaitSeconds * 1000;
  // Paging waits for a slow reader of stdout instead of queueing the whole log in memory.
  const drained = file ? undefined : io.drained?.bind(io);
  try {
    const view = await readLog(execution, request, print, keep, sealWaitMs, drained);
    if (file) {
      file.commit();
      io.err(`logstream: wrote ${lines(file.lines)} to ${file.path} (${view.status}, sealed)`);
    }
    return view;
  } catch (error) {
    if (file && error instanceof LogNotSealedError) {
      // What was read is kept, and said to be partial: the caller reports the error itself.
      file.commit();
      io.err(`logstream: wrote ${lines(file.lines)} to ${file.path}: not provably the whole log (not sealed)`);
    } else {
      file?.discard();
    }
    throw error;
  }
}

function lines(count: number): string {
  return `${count} ${count === 1 ? 'line' : 'lines'}`;
}

async function readLog(
  execution: ExecutionHandle,
  request: LogsRequest,
  print: (event: IndexedEvent) => void,
  keep: (event: IndexedEvent) => boolean,
  sealWaitMs: number,
  drained?: () => Promise<void>,
): Promise<ExecutionDescription> {
  let from = request.sinceIndex;
  let page: LogPage | undefined;
  if (request.tail !== undefined) {
    const tail = await readLastLines(execution, request, keep, sealWaitMs);
    tail.events.forEach(print);
    from = tail.lastIndex;
    page = tail.page;
  }
  const grep = request.filter?.grep;
  if (page === undefined && grep !== undefined) {
    // Searched on the server: only the matching lines come over the wire, not the whole log.
    const found = await searchLog(execution, grep, from, request.filter?.streams, print, sealWaitMs, drained);
    if (request.follow) return follow(execution, print, { sinceIndex: found.scannedTo, sealWaitMs });
    return finish(execution, found.page, found.scannedTo);
  }
  if (request.follow) return follow(execution, print, { sinceIndex: from, sealWaitMs });

  let last = from;
  if (page === undefined) {
    const pages = execution.allLogs({ sinceIndex: from, sealWaitMs });
    let next = await pages.next();
    for (; !next.done; next = await pages.next()) {
      last = next.value.index;
      print(next.value);
      if (drained && last % DRAIN_EVERY === 0) await drained();
    }
    page = next.value;
  }
  return finish(execution, page, last);
}

/** The event of a follow item, as `--json` prints it. */
function withoutKind({ kind: _kind, ...event }: IndexedEvent & { kind: 'event' }): IndexedEvent {
  return event;
}

/**
 * Prints every event until the log is sealed (through the client's resume loop); resolves with the final view. A
 * follow keeps up with the live log, so it does not wait for a slow reader: what the reader has not taken is queued.
 */
async function follow(
  execution: ExecutionHandle,
  print: (event: IndexedEvent) => void,
  options: FollowOptions,
): Promise<ExecutionDescription> {
  for await (const item of execution.follow(options)) {
    if (item.kind === 'event') print(withoutKind(item));
  }
  return execution.describe();
}

/** The view once everything asked for is printed; throws `LogNotSealedError` when that is not provably the whole log. */
async function finish(
  execution: ExecutionHandle,
  page: Pick<LogPage, 'status' | 'sealed' | 'sealPending'>,
  last: number,
): Promise<ExecutionDescription> {
  const id = execution.executionId;
  if (page.status === 'RUNNING') {
    throw new LogNotSealedError(
      id,
      last,
      true,
      `${id} is RUNNING: printed what is stored so far (--follow streams the rest)`,
    );
  }
  if (!page.sealed) throw new LogNotSealedError(id, last, page.sealPending);
  return execution.describe();
}

/** Prints the lines matching `grep` after index `from`, found by the API's search; `scannedTo` is where it stopped. */
async function searchLog(
  execution: ExecutionHandle,
  grep: RegExp,
  from: number,
  streams: readonly string[] | undefined,
  print: (event: IndexedEvent) => void,
  sealWaitMs: number,
  drained?: () => Promise<void>,
): Promise<{ page: SearchPage; scannedTo: number }> {
  const matches = execution.search(grep.source, {
    regex: true,
    caseSensitive: !grep.flags.includes('i'),
    sinceIndex: from,
    // The server searches one stream; for several, the lines are kept by `print`'s filter.
    ...(streams?.length === 1 ? { stream: streams[0] } : {}),
    sealWaitMs,
  });
  let printed = 0;
  let next = await matches.next();
  for (; !next.done; next = await matches.next()) {
    print(next.value);
    if (drained && ++printed % DRAIN_EVERY === 0) await drained();
  }
  const page = next.value;
  return { page, scannedTo: Math.max(from, page.scannedTo) };
}

/**
 * The last `request.tail` lines that pass the filter, read backwards from the log's last index so a
 * long log is not read whole; `lastIndex` is where following resumes. A log that is not stored (read
 * from CloudWatch, its indexes for display only) has no known end: it is read through, keeping the tail.
 */
async function readLastLines(
  execution: ExecutionHandle,
  request: LogsRequest,
  keep: (event: IndexedEvent) => boolean,
  sealWaitMs: number,
): Promise<{ events: IndexedEvent[]; lastIndex: number; page: LogPage }> {
  const count = request.tail ?? 0;
  const floor = request.sinceIndex;
  let probe = await execution.logs({ sinceIndex: floor, limit: 1 });
  if (probe.status !== 'RUNNING' && !probe.sealed && probe.sealPending) {
    if (await execution.waitSealed({ sealWaitMs })) probe = await execution.logs({ sinceIndex: floor, limit: 1 });
  }
  if (probe.source === 'cloudwatch') return readThrough(execution, floor, count, keep);
  const lastIndex = Math.max(floor, probe.lastIndex);
  const readRange = async (since: number, upTo: number): Promise<IndexedEvent[]> => {
    const events: IndexedEvent[] = [];
    for (let at = since; at < upTo;) {
      const page = await execution.logs({ sinceIndex: at, limit: Math.min(MAX_PAGE, upTo - at) });
      for (const event of page.events) if (event.index <= upTo) events.push(event);
      const last = page.events[page.events.length - 1]?.index;
      if (page.nextIndex === null || last === undefined) break;
      at = last;
    }
    return events;
  };
  const events = await readTail(readRange, {
    lastIndex,
    floor,
    count,
    keep,
    firstWindow: filtersNothing(request.filter ?? {}) ? count : Math.max(count, FILTERED_FIRST_WINDOW),
    maxWindow: MAX_PAGE,
  });
  return { events, lastIndex, page: probe };
}

/** The tail of a log read from its start (an unstored CloudWatch read), keeping only the last `count` lines. */
async function readThrough(
  execution: ExecutionHandle,
  floor: number,
  count: number,
  keep: (event: IndexedEvent) => boolean,
): Promise<{ events: IndexedEvent[]; lastIndex: number; page: LogPage }> {
  // `--tail 0` keeps nothing (and slice(-0) would keep everything).
  const keepLine = count === 0 ? () => false : keep;
  let kept: IndexedEvent[] = [];
  let lastIndex = floor;
  for (let at = floor; ;) {
    const page = await execution.logs({ sinceIndex: at, limit: MAX_PAGE });
    for (const event of page.events) {
      lastIndex = event.index;
      if (keepLine(event)) kept.push(event);
    }
    if (kept.length > 2 * count + MAX_PAGE) kept = kept.slice(-count);
    if (page.nextIndex === null) return { events: kept.slice(-count), lastIndex, page };
    at = page.nextIndex;
  }
}
