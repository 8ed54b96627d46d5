import {
  type CloudWatchLogsClient,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  type OutputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  advanceCursor,
  decodeMessage,
  encodeMessage,
  mergeByArrival,
  type ArrivedEvent,
  positionOf,
  rejectedEvents,
  splitForPut,
  type PutOutcome,
  type RejectedEvent,
  type LogEvent,
  type LogLocation,
  type SourceCursor,
  type StreamPosition,
} from '../../domain';
import { toDependencyError } from '../aws-errors';
import { DependencyError, type CallObserver, type LogSource, type SourceBatch } from '../../ports';

// GetLogEvents pages a read may take per stream before handing back what it has.
const MAX_PAGES_PER_STREAM = 10;
// Events a GetLogEvents page holds at most (the API's limit and default).
const PAGE_LIMIT = 10_000;

/** Options of the CloudWatch Logs source. */
export interface CloudWatchLogSourceOptions {
  readonly client: CloudWatchLogsClient;
  readonly observe?: CallObserver;
}

interface StreamRead {
  readonly stream: string;
  readonly events: ArrivedEvent[];
  readonly position: StreamPosition;
  readonly calls: number;
  readonly exhausted: boolean;
}

/**
 * Reads and writes CloudWatch Logs. Reading uses GetLogEvents with forward tokens, one stream at a
 * time, rather than FilterLogEvents with eventIds: an event is then identified by its position
 * behind a token, so the cursor stays a few bytes per stream however many events share a
 * millisecond (eventId dedupe would need every id of an unbounded look-back window in the cursor),
 * and GetLogEvents has 2.5 times FilterLogEvents' account-wide quota. It relies on each stream
 * being written in timestamp order, which the command runner guarantees.
 */
export class CloudWatchLogSource implements LogSource {
  private readonly client: CloudWatchLogsClient;
  private readonly observe: CallObserver;

  constructor(options: CloudWatchLogSourceOptions) {
    this.client = options.client;
    this.observe = options.observe ?? (() => undefined);
  }

  async readAfter(location: LogLocation, cursor: SourceCursor, maxEvents: number): Promise<SourceBatch> {
    const reads: StreamRead[] = [];
    for (const stream of location.logStreams) {
      reads.push(await this.readStream(location.logGroup, stream, positionOf(cursor, stream), maxEvents));
    }
    const moved = advanceCursor(cursor, new Map(reads.map((read) => [read.stream, read.position])));
    const calls = reads.reduce((sum, read) => sum + read.calls, 0);
    const exhausted = reads.every((read) => read.exhausted);
    return { events: mergeByArrival(reads.map((read) => read.events)), cursor: moved, calls, exhausted };
  }

  async createStream(logGroup: string, logStream: string): Promise<void> {
    try {
      await this.call('CreateLogStream', () =>
        this.client.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: logStream })),
      );
    } catch (error) {
      if (!(error instanceof DependencyError && error.cause instanceof ResourceAlreadyExistsException)) throw error;
    }
  }

  async putEvents(logGroup: string, logStream: string, events: readonly LogEvent[]): Promise<PutOutcome> {
    const rejected: RejectedEvent[] = [];
    let offset = 0;
    // splitForPut counts the encoded size, so each batch is one call within the limits.
    for (const batch of splitForPut(events)) {
      const result = await this.call('PutLogEvents', () =>
        this.client.send(
          new PutLogEventsCommand({
            logGroupName: logGroup,
            logStreamName: logStream,
            logEvents: batch.map((e) => ({ timestamp: e.timestamp, message: encodeMessage(e.message) })),
          }),
        ),
      );
      // Too old, too new or expired events were not stored; the rest of the call was.
      const info = result.rejectedLogEventsInfo;
      if (info) {
        for (const event of rejectedEvents(info, batch.length)) rejected.push({ ...event, index: event.index + offset });
      }
      offset += batch.length;
    }
    return { rejected };
  }

  async ping(): Promise<void> {
    await this.call('DescribeLogGroups', () => this.client.send(new DescribeLogGroupsCommand({ limit: 1 })));
  }

  private async readStream(
    logGroup: string,
    stream: string,
    start: StreamPosition,
    maxEvents: number,
  ): Promise<StreamRead> {
    const events: StreamRead['events'] = [];
    let token = start.token;
    let skip = start.skip;
    let position = start;
    let calls = 0;
    let exhausted = false;
    for (let page = 0; page < MAX_PAGES_PER_STREAM && events.length < maxEvents; page++) {
      let output: { events?: OutputLogEvent[]; nextForwardToken?: string };
      calls++;
      try {
        output = await this.call('GetLogEvents', () =>
          this.client.send(
            new GetLogEventsCommand({
              logGroupName: logGroup,
              logStreamName: stream,
              startFromHead: true,
              nextToken: token,
              limit: PAGE_LIMIT,
            }),
          ),
        );
      } catch (error) {
        // A stream the job has not created yet simply has no events.
        if (error instanceof DependencyError && error.cause instanceof ResourceNotFoundException) {
          exhausted = true;
          break;
        }
        throw error;
      }
      const pageEvents = output.events ?? [];
      const next = output.nextForwardToken;
      for (let i = skip; i < pageEvents.length && events.length < maxEvents; i++) {
        const raw = pageEvents[i];
        const endOfPage = i === pageEvents.length - 1 && next !== undefined;
        const after: StreamPosition = endOfPage
          ? { token: next, skip: 0 }
          : token === undefined
            ? { skip: i + 1 }
            : { token, skip: i + 1 };
        events.push({
          stream,
          timestamp: raw?.timestamp ?? 0,
          message: decodeMessage(raw?.message ?? ''),
          ingestionTime: raw?.ingestionTime ?? raw?.timestamp ?? 0,
          after,
        });
        position = events[events.length - 1]?.after ?? position;
      }
      // The same token back means the end of what is visible now. A page with events that is not
      // full almost always is the end too: stopping there saves a call per poll against the
      // account-wide quota, and an event it might miss is simply read by the next poll.
      if (next === undefined || next === token) {
        exhausted = true;
        break;
      }
      if (events.length >= maxEvents) break;
      if (pageEvents.length > 0 && pageEvents.length < PAGE_LIMIT) {
        if (pageEvents.length <= skip) position = { token: next, skip: 0 };
        exhausted = true;
        break;
      }
      if (pageEvents.length <= skip) {
        // Nothing new on this page: the next token is a valid place to resume from.
        position = { token: next, skip: 0 };
      }
      token = next;
      skip = 0;
    }
    return { stream, events, position, calls, exhausted };
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      const result = await send();
      this.observe('cloudwatch', operation, true);
      return result;
    } catch (error) {
      this.observe('cloudwatch', operation, false);
      throw toDependencyError('cloudwatch', operation, error);
    }
  }
}
