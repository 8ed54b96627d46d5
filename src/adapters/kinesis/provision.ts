import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { ProvisionError } from '../provision-error';

/** The Kinesis stream the subscription filter delivers to, once ACTIVE. */
export interface ProvisionedStream {
  readonly streamName: string;
  readonly streamArn: string;
  /** Open shards (an existing stream keeps its own count, whatever was asked). */
  readonly openShards: number;
  /** True when this call created it. */
  readonly created: boolean;
}

/**
 * The capacity of a new stream: `on-demand` (Kinesis adds shards with the load: the default on AWS), or a number of
 * provisioned shards, each taking 1 MB/s and 1,000 records/s. The subscription puts about one record per PutLogEvents
 * call, and logstream's runner flushes every 100 ms, so a provisioned stream needs a shard per 100 busy executions
 * (and per 1 MB/s of lines): shards = max(ceil(busy executions / 100), ceil(MB/s of lines)).
 */
export type StreamCapacity = number | 'on-demand';

/** How long to wait for a new stream to become ACTIVE, and how often to look. */
export interface StreamWaitOptions {
  readonly maxWaitMs?: number;
  readonly pollMs?: number;
}

/**
 * Creates the Kinesis Data Stream (on-demand, or `capacity` provisioned shards) if it does not exist, and waits until it is
 * ACTIVE (AWS takes seconds to a minute; a stream being resharded is UPDATING and still usable). An existing stream
 * is only described, so processes that start with a provisioned account need no kinesis:CreateStream. Safe to call
 * on every start and from several processes at once.
 */
export async function ensureKinesisStream(
  client: KinesisClient,
  streamName: string,
  capacity: StreamCapacity,
  options: StreamWaitOptions = {},
): Promise<ProvisionedStream> {
  let created = false;
  let summary = await describe(client, streamName);
  if (summary === undefined) {
    try {
      await client.send(
        new CreateStreamCommand(
          capacity === 'on-demand'
            ? { StreamName: streamName, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }
            : { StreamName: streamName, ShardCount: capacity, StreamModeDetails: { StreamMode: 'PROVISIONED' } },
        ),
      );
      created = true;
    } catch (error) {
      // ResourceInUseException = a concurrent caller created it first.
      if (nameOf(error) !== 'ResourceInUseException') throw asProvisionError(streamName, error);
    }
  }
  const deadline = Date.now() + (options.maxWaitMs ?? 300_000);
  for (;;) {
    summary ??= await describe(client, streamName);
    const status = summary?.StreamStatus;
    if ((status === 'ACTIVE' || status === 'UPDATING') && summary?.StreamARN !== undefined) {
      const openShards = summary.OpenShardCount ?? (capacity === 'on-demand' ? 0 : capacity);
      return { streamName, streamArn: summary.StreamARN, openShards, created };
    }
    if (status === 'DELETING') {
      throw new ProvisionError(`Kinesis stream ${streamName}`, 'is being deleted; provision again once it is gone');
    }
    if (Date.now() >= deadline) {
      throw new ProvisionError(`Kinesis stream ${streamName}`, `still ${String(status)}: not ACTIVE in time`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
    summary = undefined;
  }
}

/** The stream's summary, or undefined when it does not exist (yet). */
async function describe(client: KinesisClient, streamName: string): Promise<StreamDescriptionSummary | undefined> {
  try {
    const output = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    return output.StreamDescriptionSummary;
  } catch (error) {
    if (nameOf(error) === 'ResourceNotFoundException') return undefined;
    throw asProvisionError(streamName, error);
  }
}

function asProvisionError(streamName: string, error: unknown): ProvisionError {
  const resource = `Kinesis stream ${streamName}`;
  const reason = error instanceof Error ? error.message : String(error);
  if (nameOf(error) === 'LimitExceededException') {
    return new ProvisionError(resource, `the account's shard limit is reached (${reason})`, error);
  }
  if (nameOf(error) === 'AccessDeniedException') {
    return new ProvisionError(
      resource,
      `not allowed (${reason}): the caller needs kinesis:CreateStream and kinesis:DescribeStreamSummary`,
      error,
    );
  }
  return new ProvisionError(resource, reason, error);
}

// By name, not instanceof: the SDK class may come from another module copy (or Jest realm).
function nameOf(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
