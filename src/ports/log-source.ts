import type { LogEvent, LogLocation, PutOutcome, SourceCursor, SourcedEvent } from '../domain';

/** Events read after a cursor, and the cursor after all of them. */
export interface SourceBatch {
  readonly events: readonly SourcedEvent[];
  readonly cursor: SourceCursor;
  /** CloudWatch API calls the read took (the read quotas are per call, account-wide). */
  readonly calls: number;
  /**
   * True when every stream was read to the end of what is visible now. A read can stop early (page
   * or event budget) with few or even no events: only an exhausted read means "nothing more yet".
   */
  readonly exhausted: boolean;
}

/** Where jobs write their logs (CloudWatch Logs in production). */
export interface LogSource {
  /**
   * Reads up to about `maxEvents` events of `location` after `cursor`, in arrival order
   * (streams merged). An empty batch means nothing new is visible yet.
   */
  readAfter(location: LogLocation, cursor: SourceCursor, maxEvents: number): Promise<SourceBatch>;
  /** Ensures a stream exists (writers call it before their first write). */
  createStream(logGroup: string, logStream: string): Promise<void>;
  /**
   * Writes lines, in the order given, to one stream (any string, the empty one included: the source
   * encodes what it cannot store as is). Resolves with the events the source did not store.
   */
  putEvents(logGroup: string, logStream: string, events: readonly LogEvent[]): Promise<PutOutcome | void>;
  ping(): Promise<void>;
}

/** Observes calls to a dependency, for metrics and quota accounting. */
export type CallObserver = (dependency: 'dynamodb' | 'cloudwatch' | 'kinesis', operation: string, ok: boolean) => void;
