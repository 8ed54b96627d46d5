import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { storedLine } from '../../domain';
import type { FilteredPage, FilteredStreamsPage } from '../../ports';
import { awsCodeOf } from './read-pages';
import { describeSubscription, forwardsEverythingTo } from './subscription';

/** Sends one CloudWatch call through the log source's wrapper (observed, errors classified). */
export type CloudWatchCall = <T>(operation: string, send: () => Promise<T>) => Promise<T>;

/** How long a log group's subscription, once looked up, is taken as known. */
const SUBSCRIPTION_TTL_MS = 60_000;
/** FilterLogEvents returns at most this many events per page (its maximum `limit`). */
const FILTER_PAGE_LIMIT = 10_000;

/**
 * Whether log groups have logstream's subscription filter to the configured stream, looked up with
 * DescribeSubscriptionFilters (5 calls/s per account on AWS) at most once a minute per group; concurrent
 * lookups of one group share one call. A failed lookup is not kept.
 */
export class SubscriptionLookup {
  private readonly known = new Map<string, { readonly at: number; readonly answer: Promise<boolean> }>();

  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly call: CloudWatchCall,
    private readonly kinesisStream: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  has(logGroup: string): Promise<boolean> {
    const kinesisStream = this.kinesisStream;
    if (kinesisStream === undefined) return Promise.resolve(false);
    const cached = this.known.get(logGroup);
    if (cached !== undefined && this.now() - cached.at < SUBSCRIPTION_TTL_MS) return cached.answer;
    const answer = describeSubscription(this.client, logGroup, this.call).then((filter) =>
      forwardsEverythingTo(filter, kinesisStream),
    );
    const entry = { at: this.now(), answer };
    this.known.set(logGroup, entry);
    answer.catch(() => {
      if (this.known.get(logGroup) === entry) this.known.delete(logGroup);
    });
    return answer;
  }
}

/**
 * One FilterLogEvents page of one stream from `startTime` (inclusive), with event ids; messages are the job's
 * lines (`decodeMessage`). A page may be empty with a `nextToken` (CloudWatch searched part of the range only).
 * A stream or group that does not exist has no events.
 */
export async function filterStreamPage(
  client: CloudWatchLogsClient,
  call: CloudWatchCall,
  logGroup: string,
  logStream: string,
  options: { readonly startTime?: number; readonly limit?: number; readonly nextToken?: string },
): Promise<FilteredPage> {
  const page = await filterPage(client, call, logGroup, [logStream], options);
  return { events: page.events.map(({ logStream: _stream, ...event }) => event), nextToken: page.nextToken };
}

/**
 * One FilterLogEvents page of several streams of a log group (`logStreamNames`, up to 100) from their start, each event
 * naming its stream. A group that does not exist has no events.
 */
export function filterStreamsPage(
  client: CloudWatchLogsClient,
  call: CloudWatchCall,
  logGroup: string,
  logStreams: readonly string[],
  options: { readonly nextToken?: string },
): Promise<FilteredStreamsPage> {
  return filterPage(client, call, logGroup, logStreams, options);
}

async function filterPage(
  client: CloudWatchLogsClient,
  call: CloudWatchCall,
  logGroup: string,
  logStreams: readonly string[],
  options: { readonly startTime?: number; readonly limit?: number; readonly nextToken?: string },
): Promise<FilteredStreamsPage> {
  let output;
  try {
    output = await call('FilterLogEvents', () =>
      client.send(
        new FilterLogEventsCommand({
          logGroupName: logGroup,
          logStreamNames: [...logStreams],
          startTime: options.startTime,
          nextToken: options.nextToken,
          limit: Math.max(1, Math.min(options.limit ?? FILTER_PAGE_LIMIT, FILTER_PAGE_LIMIT)),
        }),
      ),
    );
  } catch (error) {
    if (awsCodeOf(error) === 'ResourceNotFoundException') return { events: [], nextToken: undefined };
    throw error;
  }
  const events = (output.events ?? []).map((event) => ({
    timestamp: event.timestamp ?? 0,
    ...storedLine(event.message ?? ''),
    eventId: event.eventId ?? '',
    logStream: event.logStreamName ?? '',
  }));
  return { events, nextToken: output.nextToken };
}
