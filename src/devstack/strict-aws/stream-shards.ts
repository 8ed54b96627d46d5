import type { KinesisCall, StreamAddress } from './emulator-client';
import type { JsonObject } from './http-answer';
import type { OpenShard } from './shard-write-meter';

// Resharding is rare and slow on AWS; a second-old view of the open shards is close enough for write limits.
const TTL_MS = 1_000;

/** A stream as a Kinesis request names it: by ARN, or by name in the caller's account and Region. */
export interface StreamReference extends StreamAddress {
  streamArn?: string;
  streamName?: string;
}

function openShardsOf(output: JsonObject): OpenShard[] {
  const shards = Array.isArray(output.Shards) ? (output.Shards as JsonObject[]) : [];
  const open: OpenShard[] = [];
  for (const shard of shards) {
    const range = shard.HashKeyRange as { StartingHashKey?: string; EndingHashKey?: string } | undefined;
    const closed = (shard.SequenceNumberRange as { EndingSequenceNumber?: string } | undefined)?.EndingSequenceNumber;
    if (closed !== undefined || range?.StartingHashKey === undefined || range.EndingHashKey === undefined) continue;
    open.push({
      shardId: String(shard.ShardId),
      startingHashKey: BigInt(range.StartingHashKey),
      endingHashKey: BigInt(range.EndingHashKey),
    });
  }
  return open;
}

/** The open shards of streams, read from the emulator and kept for a second. */
export class StreamShards {
  private readonly cache = new Map<string, { at: number; shards: Promise<OpenShard[]> }>();

  constructor(
    private readonly kinesis: KinesisCall,
    private readonly now: () => number,
  ) {}

  /** The stream's open shards (an empty list when it does not exist). */
  async open(stream: StreamReference): Promise<OpenShard[]> {
    const key = stream.streamArn ?? `${stream.account}/${stream.region}/${stream.streamName ?? ''}`;
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.at > this.now() - TTL_MS) return cached.shards;
    const input: JsonObject = stream.streamArn ? { StreamARN: stream.streamArn } : { StreamName: stream.streamName };
    const shards = this.kinesis('ListShards', input, stream).then(openShardsOf, () => []);
    this.cache.set(key, { at: this.now(), shards });
    return shards;
  }

  /** The name a stream's shards are metered under. */
  static meterKey(stream: StreamReference, shardId: string): string {
    const name = stream.streamArn?.split(':stream/')[1] ?? stream.streamName ?? '';
    return `${stream.account}/${stream.region}/${name}/${shardId}`;
  }
}
