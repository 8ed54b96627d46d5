import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type ListShardsCommandInput,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { CallObserver, ShardInfo, ShardRead, ShardRecord, ShardSource } from '../../ports';
import { toDependencyError } from '../aws-errors';
import { decodeSubscriptionRecord } from './subscription-record';

/** Options of the Kinesis shard source. */
export interface KinesisShardSourceOptions {
  readonly client: KinesisClient;
  readonly observe?: CallObserver;
}

/** GetRecords returns at most this many records per call (Kinesis's maximum). */
const MAX_RECORDS_PER_READ = 10_000;

/**
 * Reads the Kinesis Data Stream a CloudWatch Logs subscription filter writes to. Iterators handed out
 * are Kinesis's own prefixed with the stream and shard they read (`stream:shard:iterator`; neither name
 * may hold a colon), so a read that reaches the end of a closed shard can name its children even when
 * the answer lists none (ChildShards is only in newer APIs, and the local emulator omits it): they are
 * then the shards ListShards gives that shard as parent.
 */
export class KinesisShardSource implements ShardSource {
  private readonly client: KinesisClient;
  private readonly observe: CallObserver;

  constructor(options: KinesisShardSourceOptions) {
    this.client = options.client;
    this.observe = options.observe ?? (() => undefined);
  }

  async listShards(streamName: string): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let nextToken: string | undefined;
    do {
      // Kinesis refuses StreamName together with NextToken: the token names the stream.
      const input: ListShardsCommandInput =
        nextToken === undefined ? { StreamName: streamName } : { NextToken: nextToken };
      const output = await this.call('ListShards', () => this.client.send(new ListShardsCommand(input)));
      for (const shard of output.Shards ?? []) shards.push(shardInfo(shard));
      nextToken = output.NextToken;
    } while (nextToken !== undefined);
    return shards;
  }

  async iteratorAfter(streamName: string, shardId: string, afterSequenceNumber: string | undefined): Promise<string> {
    const output = await this.call('GetShardIterator', () =>
      this.client.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ...(afterSequenceNumber === undefined
            ? { ShardIteratorType: 'TRIM_HORIZON' }
            : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: afterSequenceNumber }),
        }),
      ),
    );
    if (output.ShardIterator === undefined) {
      throw toDependencyError('kinesis', 'GetShardIterator', new Error(`no iterator for ${streamName}/${shardId}`));
    }
    return wrapIterator(streamName, shardId, output.ShardIterator);
  }

  async read(iterator: string, limit = MAX_RECORDS_PER_READ): Promise<ShardRead> {
    const { streamName, shardId, inner } = unwrapIterator(iterator);
    const output = await this.call('GetRecords', () =>
      this.client.send(
        new GetRecordsCommand({ ShardIterator: inner, Limit: Math.max(1, Math.min(limit, MAX_RECORDS_PER_READ)) }),
      ),
    );
    const records: ShardRecord[] = (output.Records ?? []).map((record) => {
      const decoded = decodeSubscriptionRecord(record.Data ?? new Uint8Array());
      return {
        sequenceNumber: record.SequenceNumber ?? '',
        arrivedAt: record.ApproximateArrivalTimestamp?.getTime() ?? 0,
        message: decoded.message,
        ...(decoded.malformed === undefined ? {} : { malformed: decoded.malformed }),
      };
    });
    const next = output.NextShardIterator;
    const nextIterator = next === undefined || next === null ? undefined : wrapIterator(streamName, shardId, next);
    let childShardIds: string[] = [];
    if (nextIterator === undefined) {
      childShardIds = (output.ChildShards ?? []).flatMap((child) => (child.ShardId ? [child.ShardId] : []));
      if (childShardIds.length === 0) childShardIds = await this.childrenOf(streamName, shardId);
    }
    return { records, nextIterator, millisBehindLatest: output.MillisBehindLatest ?? 0, childShardIds };
  }

  private async childrenOf(streamName: string, shardId: string): Promise<string[]> {
    const shards = await this.listShards(streamName);
    return shards
      .filter((shard) => shard.parentShardId === shardId || shard.adjacentParentShardId === shardId)
      .map((shard) => shard.shardId);
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      const result = await send();
      this.observe('kinesis', operation, true);
      return result;
    } catch (error) {
      this.observe('kinesis', operation, false);
      throw toDependencyError('kinesis', operation, error);
    }
  }
}

function shardInfo(shard: Shard): ShardInfo {
  return {
    shardId: shard.ShardId ?? '',
    ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
    ...(shard.AdjacentParentShardId ? { adjacentParentShardId: shard.AdjacentParentShardId } : {}),
    closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
    ...(shard.HashKeyRange?.StartingHashKey !== undefined && shard.HashKeyRange.EndingHashKey !== undefined
      ? {
          hashKeyRange: {
            startingHashKey: shard.HashKeyRange.StartingHashKey,
            endingHashKey: shard.HashKeyRange.EndingHashKey,
          },
        }
      : {}),
  };
}

function wrapIterator(streamName: string, shardId: string, inner: string): string {
  return `${streamName}:${shardId}:${inner}`;
}

function unwrapIterator(iterator: string): { streamName: string; shardId: string; inner: string } {
  const first = iterator.indexOf(':');
  const second = first < 0 ? -1 : iterator.indexOf(':', first + 1);
  if (first <= 0 || second <= first + 1 || second === iterator.length - 1) {
    throw new TypeError('not an iterator of KinesisShardSource (expected stream:shard:iterator)');
  }
  return {
    streamName: iterator.slice(0, first),
    shardId: iterator.slice(first + 1, second),
    inner: iterator.slice(second + 1),
  };
}
