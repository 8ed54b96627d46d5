/** One log line as the log source holds it. */
export interface LogEvent {
  /** Milliseconds since the epoch, as written to the source. */
  readonly timestamp: number;
  readonly message: string;
}

/** A log line with its place in the execution's log: indexes are dense, 1..N. */
export interface IndexedEvent extends LogEvent {
  readonly index: number;
}
