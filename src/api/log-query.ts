import {
  judgeCompleteness,
  type ExecutionRecord,
  type ExecutionStatus,
  type IndexedEvent,
  type LogLocation,
} from '../domain';
import {
  DependencyError,
  UnknownExecutionError,
  LogPump,
  readStoredEvents,
  type ExecutionDirectory,
  type LogSource,
  type LogStore,
} from '../ports';
import { CloudWatchPager } from './cloudwatch-page';

/** What `/logs` answers, before it is turned into JSON. */
export interface LogsPage {
  readonly status: ExecutionStatus;
  readonly events: IndexedEvent[];
  readonly lastIndex: number;
  readonly nextIndex: number | null;
  readonly source: 'dynamodb' | 'cloudwatch';
  readonly running: boolean;
  /** The page comes from the sealed log: paging on to `nextIndex === null` gives the whole log. */
  readonly sealed: boolean;
  /** Unsealed and a seal may still come (the execution or its final drain runs); false once it never will. */
  readonly sealPending: boolean;
}

/** An execution's status joined from Temporal and the log store. */
export interface ResolvedExecution {
  readonly executionId: string;
  readonly status: ExecutionStatus;
  readonly startedAt: number | undefined;
  readonly completedAt: number | undefined;
  readonly record: ExecutionRecord | undefined;
  /** True while the workflow runs (for a completed status: its final drain has not ended). */
  readonly open: boolean;
  /** Where the log lives: from the store's record, else from the workflow. */
  readonly location: LogLocation | undefined;
}

/** Dependencies of the log query. */
export interface LogQueryDeps {
  readonly directory: ExecutionDirectory;
  readonly store: LogStore;
  readonly source: LogSource;
  readonly onFallback?: (executionId: string, reason: string, error?: unknown) => void;
  /** Waits between throttled direct reads (see `CloudWatchPager`). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Someone reads a running pushed log: its lines should be stored at once, not held back (see `putWatches`). */
  readonly watchRunning?: (executionId: string) => void;
}

/**
 * The status-based strategy of `/logs`. RUNNING: DynamoDB; a polled execution's log is filled from
 * CloudWatch through the append protocol by the first request that finds it empty (a push execution's
 * never: it reads no CloudWatch). COMPLETED: DynamoDB when the log is
 * sealed, else a direct CloudWatch read that is not stored, marked unsealed (see `judgeCompleteness`).
 */
export class LogQuery {
  private readonly direct: CloudWatchPager;

  constructor(private readonly deps: LogQueryDeps) {
    this.direct = new CloudWatchPager(deps);
  }

  /** Status from Temporal, falling back on the store's record for executions past retention. */
  async resolve(executionId: string): Promise<ResolvedExecution> {
    const [info, record] = await Promise.all([
      this.deps.directory.describe(executionId),
      this.deps.store.getExecution(executionId).catch((error: unknown) => {
        this.deps.onFallback?.(executionId, 'record-unreadable', error);
        return undefined;
      }),
    ]);
    if (info) {
      return {
        executionId,
        status: info.status,
        startedAt: info.startedAt,
        completedAt: info.completedAt,
        record,
        open: info.open,
        location: record?.location ?? info.location,
      };
    }
    if (!record) throw new UnknownExecutionError(executionId);
    // Past Temporal's retention: the seal says how it ended; without one it never finished cleanly.
    return {
      executionId,
      status: record.seal?.status ?? 'STOPPED',
      startedAt: record.startedAt,
      completedAt: record.seal?.completedAt,
      record,
      open: false,
      location: record.location,
    };
  }

  /** A page of events with index > `sinceIndex`. */
  async page(execution: ResolvedExecution, sinceIndex: number, limit: number): Promise<LogsPage> {
    const location = execution.location;
    if (!location) {
      // Neither the store nor Temporal could say where the log is: an error, never a guessed empty log.
      throw new DependencyError('dynamodb', 'GetItem', new Error(`no readable record of ${execution.executionId}`));
    }
    const verdict = judgeCompleteness({
      sealed: execution.record?.seal !== undefined,
      running: execution.status === 'RUNNING',
      open: execution.open,
    });
    try {
      if (verdict.reason === 'running') return await this.runningPage(execution, location, sinceIndex, limit);
      if (verdict.complete) return await this.sealedPage(execution, sinceIndex, limit);
      this.deps.onFallback?.(execution.executionId, `unsealed:${verdict.reason}`);
    } catch (error) {
      this.deps.onFallback?.(execution.executionId, 'store-failed', error);
    }
    // A sealed log served from CloudWatch because the store failed: a sealed read may come back.
    return this.cloudWatchPage(execution, location, sinceIndex, limit, verdict.sealPending || verdict.complete);
  }

  private async runningPage(
    execution: ResolvedExecution,
    location: LogLocation,
    sinceIndex: number,
    limit: number,
  ): Promise<LogsPage> {
    if (execution.record?.ingest === 'push') this.deps.watchRunning?.(execution.executionId);
    const latest = await this.deps.store.latestChunk(execution.executionId);
    let lastIndex = latest?.last ?? 0;
    // Only a polled execution is filled here: a push execution's log is the forwarder's (events stored by their
    // CloudWatch ids), and one whose mode is not chosen yet may become one. Those are served from the store alone.
    if (!latest && !execution.record?.seal && execution.record?.ingest === 'poll') {
      // First request before the ingester stored anything: fetch and store through the same
      // protocol, so racing requests (or the ingester) never store an event twice.
      const pump = new LogPump(this.deps.store, this.deps.source, {
        executionId: execution.executionId,
        location,
      });
      lastIndex = (await pump.pump()).tip.lastIndex;
    }
    const page = await readStoredEvents(this.deps.store, execution.executionId, sinceIndex, limit);
    const last = page.events[page.events.length - 1]?.index ?? sinceIndex;
    return {
      status: 'RUNNING',
      events: page.events,
      lastIndex: Math.max(lastIndex, last),
      nextIndex: page.more ? last : null,
      source: 'dynamodb',
      running: true,
      sealed: false,
      sealPending: true,
    };
  }

  private async sealedPage(execution: ResolvedExecution, sinceIndex: number, limit: number): Promise<LogsPage> {
    const upTo = execution.record?.seal?.lastIndex ?? 0;
    const page = await readStoredEvents(this.deps.store, execution.executionId, sinceIndex, limit, upTo);
    const last = page.events[page.events.length - 1]?.index ?? sinceIndex;
    return {
      status: execution.status,
      events: page.events,
      lastIndex: upTo,
      nextIndex: page.more ? last : null,
      source: 'dynamodb',
      running: false,
      sealed: true,
      sealPending: false,
    };
  }

  /** Reads CloudWatch directly with display indexes 1..N in arrival order; stores nothing. */
  private async cloudWatchPage(
    execution: ResolvedExecution,
    location: LogLocation,
    sinceIndex: number,
    limit: number,
    sealPending: boolean,
  ): Promise<LogsPage> {
    const page = await this.direct.page(execution.executionId, location, sinceIndex, limit);
    return {
      status: execution.status,
      ...page,
      source: 'cloudwatch',
      running: execution.status === 'RUNNING',
      // A direct read is never the promised copy, even of a log sealed meanwhile.
      sealed: false,
      sealPending,
    };
  }
}
