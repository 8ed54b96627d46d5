import {
  type CloudWatchLogsClient,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  type OutputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  advanceCursor,
  consumedAt,
  storedLine,
  encodeMessage,
  mergeByArrival,
  type ArrivedEvent,
  positionOf,
  resumeWithoutToken,
  rejectedEvents,
  splitForPut,
  type PutOutcome,
  type RejectedEvent,
  type LogEvent,
  type LogLocation,
  type SourceCursor,
  type StreamPosition,
  withKnownTimestamps,
} from '../../domain';
import { toDependencyError } from '../aws-errors';
import { awsCodeOf, isFullPage, PAGE_LIMIT, startsBehind, startTimeOf, tokenOf } from './read-pages';
import { filterStreamPage, filterStreamsPage, SubscriptionLookup } from './log-audit-reads';
import {
  DependencyError,
  type CallObserver,
  type FilteredPage,
  type FilteredStreamsPage,
  type LogAudit,
  type LogSource,
  type SourceBatch,
} from '../../ports';

// GetLogEvents pages a read may take per stream before handing back what it has.
const MAX_PAGES_PER_STREAM = 10;

/** Options of the CloudWatch Logs source. */
export interface CloudWatchLogSourceOptions {
  readonly client: CloudWatchLogsClient;
  /**
   * The client of PutLogEvents, without retries of its own (`maxAttempts: 1`): PutLogEvents has no idempotency token,
   * so a retry after a reply lost stores the batch twice, and only the caller, seeing every failure, can tell that a
   * write's outcome is uncertain. Default: `client`.
   */
  readonly writeClient?: CloudWatchLogsClient;
  readonly observe?: CallObserver;
  /** The Kinesis stream logstream's subscription filters deliver to; without it no log group counts as subscribed. */
  readonly kinesisStream?: string;
}

/** Where a GetLogEvents page is read from: after a forward token, or from the head (at `startTime`). */
interface PageRequest {
  readonly token: string | undefined;
  readonly startTime: number | undefined;
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
 * and GetLogEvents has 2.5 times FilterLogEvents' account-wide quota. GetLogEvents shows a stream
 * by timestamp (one millisecond in arrival order) and a forward token is a place in that order, so
 * events stored are in the order a read first shows them after the cursor: an event arriving later
 * with an older timestamp than what was read from its stream is behind the cursor and never shown
 * (the command runner writes each stream in timestamp order; see docs/architecture.md on several writers).
 * A backend whose tokens count events (the local emulator) shows consumed events again when such a
 * late event pushes them back: a page starting older than the last event consumed is dropped and the
 * read resumes from the stored timestamp. Only events of that very millisecond pushed back cannot be
 * told from new ones (the emulator then shows them twice; AWS's tokens name places, not counts).
 */
export class CloudWatchLogSource implements LogSource, LogAudit {
  private readonly client: CloudWatchLogsClient;
  private readonly writeClient: CloudWatchLogsClient;
  private readonly observe: CallObserver;
  private readonly subscriptions: SubscriptionLookup;

  constructor(options: CloudWatchLogSourceOptions) {
    this.client = options.client;
    this.writeClient = options.writeClient ?? options.client;
    this.observe = options.observe ?? (() => undefined);
    this.subscriptions = new SubscriptionLookup(this.client, (op, send) => this.call(op, send), options.kinesisStream);
  }

  /** True when the group has logstream's subscription filter to the configured stream (looked up once a minute). */
  hasSubscription(logGroup: string): Promise<boolean> {
    return this.subscriptions.has(logGroup);
  }

  async streamsWithEvents(logGroup: string, logStreams: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    for (const logStream of logStreams) {
      const output = await this.call('DescribeLogStreams', () =>
        this.client.send(new DescribeLogStreamsCommand({ logGroupName: logGroup, logStreamNamePrefix: logStream })),
      );
      // A prefix matches longer names too: only the stream itself counts.
      const described = output.logStreams?.find((stream) => stream.logStreamName === logStream);
      if (described?.firstEventTimestamp !== undefined || described?.lastIngestionTime !== undefined) {
        found.push(logStream);
      }
    }
    return found;
  }

  filterStream(
    logGroup: string,
    logStream: string,
    options: { readonly startTime?: number; readonly limit?: number; readonly nextToken?: string },
  ): Promise<FilteredPage> {
    return filterStreamPage(this.client, (op, send) => this.call(op, send), logGroup, logStream, options);
  }

  filterStreams(
    logGroup: string,
    logStreams: readonly string[],
    options: { readonly nextToken?: string },
  ): Promise<FilteredStreamsPage> {
    return filterStreamsPage(this.client, (op, send) => this.call(op, send), logGroup, logStreams, options);
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
        this.writeClient.send(
          new PutLogEventsCommand({
            logGroupName: logGroup,
            logStreamName: logStream,
            logEvents: batch.map((e) => ({
              timestamp: e.timestamp,
              message: encodeMessage(e.message, e.stderr === true),
            })),
          }),
        ),
      );
      // Too old, too new or expired events were not stored; the rest of the call was.
      const info = result.rejectedLogEventsInfo;
      if (info) {
        for (const event of rejectedEvents(info, batch.length))
          rejected.push({ ...event, index: event.index + offset });
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
    // `position` is just after the last event consumed; `request` is the read the next page comes from,
    // of which the first `skip` events were consumed already (a page re-read can be shorter than before).
    let position = withKnownTimestamps(start);
    let request: PageRequest = { token: start.token, startTime: start.startTime };
    let skip = start.skip;
    let calls = 0;
    let exhausted = false;
    for (let page = 0; page < MAX_PAGES_PER_STREAM && events.length < maxEvents; page++) {
      let output: { events?: OutputLogEvent[]; nextForwardToken?: string };
      calls++;
      try {
        output = await this.getPage(logGroup, stream, request);
      } catch (error) {
        // A stream the job has not created yet simply has no events.
        if (awsCodeOf(error) === 'ResourceNotFoundException') {
          exhausted = true;
          break;
        }
        // A refused token (they expire after 24 h) is replaced by the token-free read naming the same
        // place; each replacement spends a page of the budget, so a source refusing every token cannot loop.
        const replacement =
          request.token !== undefined && awsCodeOf(error) === 'InvalidParameterException'
            ? resumeWithoutToken(position)
            : undefined;
        if (!replacement) throw error;
        position = replacement;
        request = { token: undefined, startTime: replacement.startTime };
        skip = replacement.skip;
        continue;
      }
      const pageEvents = output.events ?? [];
      const next = output.nextForwardToken;
      // A read after the cursor shows nothing older than what was consumed last, unless the backend's
      // tokens count events and a late, older event pushed consumed ones back past the token (the
      // emulator's do): then the events shown again are dropped by reading on from the stored timestamp.
      const reshown = startsBehind(pageEvents[skip], position) ? resumeWithoutToken(position) : undefined;
      if (reshown) {
        position = reshown;
        request = { token: undefined, startTime: reshown.startTime };
        skip = reshown.skip;
        continue;
      }
      // The same token back is the end of what is visible now; empty pages with a new token are not.
      const ended = next === undefined || next === request.token;
      let consumed = 0;
      for (let i = skip; i < pageEvents.length && events.length < maxEvents; i++) {
        const raw = pageEvents[i];
        const timestamp = raw?.timestamp ?? 0;
        const endOfPage = i === pageEvents.length - 1 && !ended;
        const after: StreamPosition = {
          ...tokenOf(endOfPage ? next : request.token),
          skip: endOfPage ? 0 : i + 1,
          ...startTimeOf(request.startTime),
          ...consumedAt(position, timestamp),
        };
        events.push({
          stream,
          timestamp,
          ...storedLine(raw?.message ?? ''),
          ingestionTime: raw?.ingestionTime ?? raw?.timestamp ?? 0,
          after,
        });
        position = after;
        consumed++;
      }
      if (ended) {
        exhausted = true;
        break;
      }
      if (events.length >= maxEvents) break;
      skip = Math.max(0, skip - pageEvents.length);
      // Nothing consumed on this page (empty, or consumed before): its next token is a valid place to resume from.
      if (consumed === 0) position = { ...position, ...tokenOf(next), skip, ...startTimeOf(request.startTime) };
      // A page with new events that is not full usually is the end: stopping there saves a call per poll
      // against the account-wide quota (an event it might miss is read by the next poll). It is not
      // reported as the end, though: only the same token back proves that.
      if (consumed > 0 && !isFullPage(pageEvents)) break;
      request = { token: next, startTime: request.startTime };
    }
    return { stream, events, position, calls, exhausted };
  }

  private getPage(
    logGroup: string,
    stream: string,
    request: PageRequest,
  ): Promise<{ events?: OutputLogEvent[]; nextForwardToken?: string }> {
    return this.call('GetLogEvents', () =>
      this.client.send(
        new GetLogEventsCommand({
          logGroupName: logGroup,
          logStreamName: stream,
          startFromHead: true,
          nextToken: request.token,
          // Kept with the tokens of a read that began at a timestamp: emulators number their tokens
          // within the filtered events, and AWS ignores the bound behind a token.
          startTime: request.startTime,
          limit: PAGE_LIMIT,
        }),
      ),
    );
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
