// The one resume loop of the project: the Node client, the CLI and the browser app follow a log through it, each
// with its own `connect` (Node's `ws`, the browser's WebSocket). Bundled for the browser: no Node built-ins here.
import { Backoff, type BackoffOptions } from '../domain/backoff';
import type { IndexedEvent, TerminalStatus } from '../domain';
import { ApiError, LogNotSealedError } from './errors';
import { pause } from './pause';
import type { LogPage } from './views';

/** What one WebSocket connection passes back while it is open. */
export interface TailHandlers {
  /** The socket is open: events follow. */
  open(): void;
  /** The events of one frame; throws `TAIL_GAP` on a hole, which drops the connection (to resume from). */
  events(events: readonly IndexedEvent[]): void;
}

/** How one connection ended: the final status (once the log is sealed), a drop to resume from, or a refusal. */
export type TailOutcome =
  | { readonly kind: 'done'; readonly status: TerminalStatus; readonly lastIndex: number }
  | { readonly kind: 'dropped'; readonly reason: string }
  | { readonly kind: 'refused'; readonly status: number; readonly code: string; readonly message: string };

/** Opens one tail connection on `url` (a `websocketUrl` of `/logs`) and resolves with how it ended. */
export type TailConnect = (url: string, handlers: TailHandlers, signal: AbortSignal) => Promise<TailOutcome>;

/** The calls of one execution the loop reads through. */
export interface FollowSource {
  readonly executionId: string;
  /** One page of `/logs` after `sinceIndex`. */
  readPage(sinceIndex: number): Promise<LogPage>;
  /** Whether the log is sealed now, and whether a seal may still come. */
  sealState(): Promise<{ readonly sealed: boolean; readonly sealPending: boolean }>;
}

/** Where the loop is, for a reader that shows it (the browser app). */
export type FollowPhase =
  | { readonly phase: 'loading' }
  | { readonly phase: 'live'; readonly resumed: boolean }
  | { readonly phase: 'reconnecting'; readonly reason: string }
  | { readonly phase: 'sealing' };

/** Options of the resume loop. */
export interface FollowLoopOptions {
  /** Events with an index above this one (default 0: from the start). */
  readonly sinceIndex?: number;
  /** Failed attempts in a row with no new event before giving up (default 20; Infinity: never). */
  readonly maxRetries?: number;
  /** Longest wait for the seal of a completed execution whose final drain still runs (ms, default 60 s). */
  readonly sealWaitMs?: number;
  /**
   * Past the seal wait (or when no seal can come), page through the unsealed read and end with `sealed: false`
   * instead of rejecting with `LogNotSealedError` once it is passed on (the browser shows such a log, marked
   * incomplete).
   */
  readonly acceptUnsealed?: boolean;
  /** The waits between failed attempts (default 100 ms doubling to 5 s). */
  readonly backoff?: BackoffOptions;
  /** Ends the follow (the loop rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /** Told where the loop is. */
  readonly onPhase?: (phase: FollowPhase) => void;
}

/** What the loop yields: events (each once, in index order), then the final status. */
export type FollowBatch =
  | { readonly kind: 'events'; readonly events: readonly IndexedEvent[] }
  | {
      readonly kind: 'status';
      readonly status: TerminalStatus;
      readonly lastIndex: number;
      /** Always true unless `acceptUnsealed` let an unsealed log through. */
      readonly sealed: boolean;
    };

const DEFAULT_MAX_RETRIES = 20;
const DEFAULT_SEAL_WAIT_MS = 60_000;
const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 5000 };
const SEAL_POLL: BackoffOptions = { baseMs: 100, maxMs: 1000, jitter: 'none' };

/** A failure that a retry may get past: the API unreachable or failing for now (status 0, 429, 5xx). */
function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.code === 'LOG_NOT_SEALED') return false;
  return error.status === 0 || error.status === 429 || error.status >= 500;
}

/**
 * Follows an execution's log until it is sealed: pages what is stored (one page at a time, as the consumer takes
 * them), then tails the rest over `connect` while the execution runs. After a drop, a refused upgrade or a failed
 * read it waits (`Backoff`), reads `/logs` from the last index it yielded (the events missed, and a fresh ticket)
 * and reconnects from there: no gap (checked) and no duplicate. A completed log is waited for until sealed, within
 * `sealWaitMs`; past it, rejects with `LogNotSealedError` (or, with `acceptUnsealed`, ends unsealed). An unsealed
 * read met before any event was yielded is passed on first, then rejected the same way.
 */
export async function* followLog(
  source: FollowSource,
  connect: TailConnect,
  options: FollowLoopOptions = {},
): AsyncGenerator<FollowBatch, void, undefined> {
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
  const phase = options.onPhase ?? (() => undefined);
  let last = options.sinceIndex ?? 0;
  let sealDeadline: number | undefined;
  let unsealed = false;
  let yielded = false;
  let resumed = false;

  /** The events of `events` after `last`; a hole is `TAIL_GAP`. */
  const fresh = (events: readonly IndexedEvent[]): IndexedEvent[] => {
    const kept: IndexedEvent[] = [];
    for (const event of events) {
      if (event.index <= last) continue;
      if (event.index !== last + 1) throw new ApiError(0, 'TAIL_GAP', `expected index ${last + 1}, got ${event.index}`);
      last = event.index;
      kept.push(event);
    }
    return kept;
  };
  /** A failed attempt: rethrows `error` when it is final or too many came in a row, else waits its turn. */
  const failed = async (error: unknown, reason: string): Promise<void> => {
    if (options.signal?.aborted || backoff.failures >= maxRetries) throw error;
    phase({ phase: 'reconnecting', reason });
    resumed = true;
    await pause(backoff.next(), options.signal);
  };

  for (;;) {
    options.signal?.throwIfAborted();
    let page: LogPage;
    try {
      page = await source.readPage(last);
    } catch (error) {
      if (!isTransient(error)) throw error;
      await failed(error, `could not read the log (${(error as Error).message})`);
      continue;
    }
    if (!page.sealed && page.status !== 'RUNNING' && !unsealed) {
      // Completed, not sealed yet: wait for the seal, or say so.
      sealDeadline ??= Date.now() + (options.sealWaitMs ?? DEFAULT_SEAL_WAIT_MS);
      if (await waitForSeal(source, sealDeadline, options, phase)) continue;
      // The unsealed read (from CloudWatch, its indexes for display) is passed on only from where this follow
      // started: after stored events it could not be told apart from the rest of the stored log.
      if (!options.acceptUnsealed && yielded) throw new LogNotSealedError(source.executionId, last, page.sealPending);
      unsealed = true;
    }
    const events = fresh(page.events);
    if (events.length > 0) {
      backoff.reset();
      yielded = true;
      yield { kind: 'events', events };
    }
    if (page.nextIndex !== null && page.events.length > 0) {
      phase({ phase: 'loading' });
      continue;
    }
    if (unsealed && !options.acceptUnsealed) {
      throw new LogNotSealedError(source.executionId, last, page.sealPending);
    }
    if (page.status !== 'RUNNING') {
      yield { kind: 'status', status: page.status, lastIndex: Math.max(last, page.lastIndex), sealed: page.sealed };
      return;
    }
    if (page.websocketUrl === null) {
      await failed(new ApiError(0, 'TAIL_FAILED', `no websocket_url for ${source.executionId}`), 'no tail offered');
      continue;
    }
    // At the tip of a running execution: tail the rest.
    const connection = tail(page.websocketUrl, connect, fresh, () => phase({ phase: 'live', resumed }), options.signal);
    let outcome: TailOutcome | undefined;
    for await (const item of connection) {
      if ('kind' in item) outcome = item;
      else {
        backoff.reset();
        yielded = true;
        yield { kind: 'events', events: item };
      }
    }
    // A status is final only once every event up to its last index has arrived.
    if (outcome?.kind === 'done' && last >= outcome.lastIndex) {
      yield { kind: 'status', status: outcome.status, lastIndex: outcome.lastIndex, sealed: true };
      return;
    }
    // 401: the ticket expired while waiting; 429/5xx: retry later. Any other refusal is final.
    if (outcome?.kind === 'refused') {
      const error = new ApiError(outcome.status, outcome.code, outcome.message);
      if (![401, 429].includes(outcome.status) && outcome.status < 500) throw error;
      await failed(error, `HTTP ${outcome.status} ${outcome.code}`);
      continue;
    }
    const reason =
      outcome?.kind === 'dropped' ? outcome.reason : `status before index ${outcome?.lastIndex ?? '?'} arrived`;
    await failed(new ApiError(0, 'TAIL_FAILED', `tail of ${source.executionId} failed: ${reason}`), reason);
  }
}

/** Polls the seal until it comes (true), or the deadline passes or no seal can come (false). */
async function waitForSeal(
  source: FollowSource,
  deadline: number,
  options: FollowLoopOptions,
  phase: (phase: FollowPhase) => void,
): Promise<boolean> {
  phase({ phase: 'sealing' });
  const poll = new Backoff(SEAL_POLL);
  for (;;) {
    const state = await source.sealState();
    if (state.sealed) return true;
    // A completed execution whose workflow is gone never gets a seal: no point in waiting.
    if (!state.sealPending || Date.now() >= deadline) return false;
    await pause(Math.min(poll.next(), Math.max(1, deadline - Date.now())), options.signal);
  }
}

/**
 * One connection as an iterable: the fresh events of each frame, then how it ended. Breaking out of it (the
 * consumer stopped following) closes the connection.
 */
async function* tail(
  url: string,
  connect: TailConnect,
  fresh: (events: readonly IndexedEvent[]) => IndexedEvent[],
  onOpen: () => void,
  outer: AbortSignal | undefined,
): AsyncGenerator<readonly IndexedEvent[] | TailOutcome, void, undefined> {
  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const queue: (readonly IndexedEvent[])[] = [];
  let wake: (() => void) | undefined;
  let ended: { outcome: TailOutcome } | { error: unknown } | undefined;
  connect(
    url,
    {
      open: onOpen,
      events: (events) => {
        const kept = fresh(events);
        if (kept.length === 0) return;
        queue.push(kept);
        wake?.();
      },
    },
    abort.signal,
  ).then(
    (outcome) => {
      ended = { outcome };
      wake?.();
    },
    (error: unknown) => {
      ended = { error };
      wake?.();
    },
  );
  try {
    for (;;) {
      const events = queue.shift();
      if (events !== undefined) {
        yield events;
        continue;
      }
      if (ended !== undefined) {
        if ('error' in ended) throw ended.error;
        yield ended.outcome;
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
    if (ended === undefined) abort.abort(new ApiError(0, 'FOLLOW_ENDED', 'the consumer stopped following'));
  }
}
