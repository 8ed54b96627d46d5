/** One log line as the log source holds it. */
export interface LogEvent {
  /** Milliseconds since the epoch, as written to the source. */
  readonly timestamp: number;
  readonly message: string;
  /**
   * CloudWatch's id of the event, when the reader knows it (push ingest: the subscription record's `id`;
   * FilterLogEvents' `eventId`). GetLogEvents gives no ids, so polled events have none.
   */
  readonly eventId?: string;
}

/** A log line with its place in the execution's log: indexes are dense, 1..N. */
export interface IndexedEvent extends LogEvent {
  readonly index: number;
}
