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
  /**
   * True for an event the seal's proof found in CloudWatch and not in the store, and stored then (after
   * everything stored before it): its index may be later than its timestamp's place in the log.
   */
  readonly recovered?: boolean;
  /** True for a managed job's stderr line (stored behind the stderr marker: see `encodeMessage`). */
  readonly stderr?: boolean;
  /**
   * The stream the line came from. Where the event was read (a source, a chunk being written) it is the CloudWatch
   * log stream's name; in what the store gives back it is the name readers see (`streamName`).
   */
  readonly stream?: string;
}

/** A log line with its place in the execution's log: indexes are dense, 1..N. */
export interface IndexedEvent extends LogEvent {
  readonly index: number;
}

/** The event at `index` as readers serve it: its id left out, `recovered` only when true. */
export function indexedEvent(index: number, event: LogEvent): IndexedEvent {
  return {
    index,
    timestamp: event.timestamp,
    ...(event.stream === undefined ? {} : { stream: event.stream }),
    message: event.message,
    ...(event.recovered === true ? { recovered: true } : {}),
  };
}
