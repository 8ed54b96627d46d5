import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../src/adapters/kinesis/kinesis-client';
import { decodeSubscriptionRecord } from '../src/adapters/kinesis/subscription-record';
import { sleep } from './stack';

const READ_EVERY_MS = 200;
const DUMMY_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * When each line reached the Kinesis stream: the start of what logstream itself adds to a line's latency (the
 * forwarder's read, its store, the tips, the API's read and the socket), beside the end-to-end figure that also
 * holds CloudWatch's subscription delivery. Reads every shard of the stream from its tip, directly from the emulator
 * (not through the strict layer: the observer must not take the forwarder's share of a shard's read limits), and
 * keeps the first arrival of each message.
 */
export class KinesisArrivals {
  private readonly client: KinesisClient;
  private readonly arrivals = new Map<string, number>();
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    endpoint: string,
    private readonly streamName: string,
    region = 'us-east-1',
  ) {
    this.client = createKinesisClient({ endpoint, region, credentials: DUMMY_CREDENTIALS });
  }

  /** Starts reading every shard from its tip; resolves once the iterators are open (later records are seen). */
  async start(): Promise<void> {
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: this.streamName }),
      );
      shards.push(...(page.Shards ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    const open = shards.filter((shard) => shard.SequenceNumberRange?.EndingSequenceNumber === undefined);
    const iterators = await Promise.all(
      open.map(
        async (shard) =>
          (
            await this.client.send(
              new GetShardIteratorCommand({
                StreamName: this.streamName,
                ShardId: shard.ShardId,
                ShardIteratorType: 'LATEST',
              }),
            )
          ).ShardIterator,
      ),
    );
    this.running = Promise.all(iterators.map((iterator) => this.follow(iterator))).then(() => undefined);
  }

  /** When `message` first reached the stream (epoch ms), if it did while observed. */
  arrivalOf(message: string): number | undefined {
    return this.arrivals.get(message);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    this.client.destroy();
  }

  private async follow(start: string | undefined): Promise<void> {
    let iterator = start;
    while (!this.stopped && iterator !== undefined) {
      const page = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) {
        const arrivedAt = record.ApproximateArrivalTimestamp?.getTime();
        const decoded = decodeSubscriptionRecord(record.Data ?? new Uint8Array());
        if (arrivedAt === undefined || decoded.message?.messageType !== 'DATA_MESSAGE') continue;
        for (const event of decoded.message.logEvents) {
          if (!this.arrivals.has(event.message)) this.arrivals.set(event.message, arrivedAt);
        }
      }
      iterator = page.NextShardIterator;
      if ((page.Records ?? []).length === 0) await sleep(READ_EVERY_MS);
    }
  }
}
