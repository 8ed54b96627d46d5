// An in-memory Kinesis behind the strict layer's own calls to the emulator (one shard per stream, covering every
// hash key), for unit tests of the delivery model. Unknown streams fail as Kinesis fails them.
import { EmulatorCallError, type KinesisCall } from '../../src/devstack/strict-aws/emulator-client';
import type { JsonObject } from '../../src/devstack/strict-aws/http-answer';
import { encodeRecord, type DeliveredMessage } from '../../src/devstack/strict-aws/subscription-record';

/** A record as the fake stores it. */
export interface FakeRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Buffer;
  arrivalMs: number;
}

const ACCOUNT = '123456789012';

/** The fake streams and the call function the layer is given. */
export class FakeKinesis {
  readonly streams = new Map<string, FakeRecord[]>();
  readonly calls: string[] = [];
  private sequence = 0;

  constructor(private readonly now: () => number) {}

  /** The ARN of stream `name`. */
  static arn(name: string): string {
    return `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${name}`;
  }

  /** Writes a subscription message to `stream` as the emulator's own delivery does. */
  deliver(stream: string, message: DeliveredMessage): void {
    this.append(stream, message.logStream, encodeRecord(message));
  }

  readonly call: KinesisCall = async (operation, input) => {
    this.calls.push(operation);
    const name = typeof input.StreamARN === 'string' ? input.StreamARN.split(':stream/')[1] : input.StreamName;
    const records = this.streams.get(String(name));
    if (operation === 'CreateStream') {
      if (records !== undefined) throw new EmulatorCallError('ResourceInUseException', 'exists', 400);
      this.streams.set(String(name), []);
      return {};
    }
    if (operation === 'GetRecords') return this.getRecords(String(input.ShardIterator));
    if (records === undefined) throw new EmulatorCallError('ResourceNotFoundException', `no stream ${name}`, 400);
    switch (operation) {
      case 'DescribeStreamSummary':
        return { StreamDescriptionSummary: { StreamStatus: 'ACTIVE' } };
      case 'ListShards':
        return {
          Shards: [
            {
              ShardId: 'shardId-000000000000',
              HashKeyRange: { StartingHashKey: '0', EndingHashKey: String(2n ** 128n - 1n) },
              SequenceNumberRange: { StartingSequenceNumber: '0' },
            },
          ],
        };
      case 'GetShardIterator':
        return { ShardIterator: `${name}:${input.ShardIteratorType === 'LATEST' ? records.length : 0}` };
      case 'PutRecords': {
        const put = (input.Records as JsonObject[]).map((r) =>
          this.append(String(name), String(r.PartitionKey), Buffer.from(String(r.Data), 'base64')),
        );
        return { FailedRecordCount: 0, Records: put.map((r) => ({ SequenceNumber: r.sequenceNumber })) };
      }
      default:
        throw new Error(`the fake Kinesis has no ${operation}`);
    }
  };

  private append(stream: string, partitionKey: string, data: Buffer): FakeRecord {
    const records = this.streams.get(stream);
    if (records === undefined) throw new EmulatorCallError('ResourceNotFoundException', `no stream ${stream}`, 400);
    const record = { sequenceNumber: String(++this.sequence), partitionKey, data, arrivalMs: this.now() };
    records.push(record);
    return record;
  }

  private getRecords(iterator: string): JsonObject {
    const cut = iterator.lastIndexOf(':');
    const name = iterator.slice(0, cut);
    const records = this.streams.get(name);
    if (records === undefined) throw new EmulatorCallError('ResourceNotFoundException', `no stream ${name}`, 400);
    const from = Number(iterator.slice(cut + 1));
    const page = records.slice(from);
    return {
      Records: page.map((r) => ({
        SequenceNumber: r.sequenceNumber,
        PartitionKey: r.partitionKey,
        Data: r.data.toString('base64'),
        ApproximateArrivalTimestamp: r.arrivalMs / 1000,
      })),
      NextShardIterator: `${name}:${records.length}`,
    };
  }
}
