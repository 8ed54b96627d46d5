import type { LogEvent } from '../domain';

/** Events read by FilterLogEvents (with their ids), and where the next page starts. */
export interface FilteredPage {
  readonly events: readonly (LogEvent & { readonly eventId: string })[];
  readonly nextToken: string | undefined;
}

/** Events of several streams read by one FilterLogEvents call, each naming its stream, and where the next page starts. */
export interface FilteredStreamsPage {
  readonly events: readonly (LogEvent & { readonly eventId: string; readonly logStream: string })[];
  readonly nextToken: string | undefined;
}

/**
 * The few CloudWatch reads push ingest needs (a handful per execution, whatever its log's length):
 * whether a log group has logstream's subscription filter, and id-bearing reads for the seal's check.
 */
export interface LogAudit {
  /** True when `logGroup` has logstream's subscription filter to the configured Kinesis stream. */
  hasSubscription(logGroup: string): Promise<boolean>;
  /**
   * Those of `logStreams` that exist and hold events already (DescribeLogStreams, one call per stream). CloudWatch
   * describes a stream's events eventually: events a few seconds old may not show yet.
   */
  streamsWithEvents(logGroup: string, logStreams: readonly string[]): Promise<string[]>;
  /**
   * One FilterLogEvents page of one stream from `startTime` (inclusive), oldest first; `limit` caps the
   * page (at most 10,000).
   */
  filterStream(
    logGroup: string,
    logStream: string,
    options: { readonly startTime?: number; readonly limit?: number; readonly nextToken?: string },
  ): Promise<FilteredPage>;
  /**
   * One FilterLogEvents page of up to 100 streams of one log group (`logStreamNames`), from their start: the seal's
   * proof reads many small logs in one call. A page may be empty with a `nextToken`.
   */
  filterStreams(
    logGroup: string,
    logStreams: readonly string[],
    options: { readonly nextToken?: string },
  ): Promise<FilteredStreamsPage>;
}

/** FilterLogEvents takes at most this many stream names in one call. */
export const MAX_FILTER_STREAMS = 100;
