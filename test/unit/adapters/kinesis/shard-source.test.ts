import { gzipSync } from 'node:zlib';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { KinesisShardSource } from '../../../../src/adapters/kinesis/kinesis-shard-source';
import { awsError } from '../../../support/fakes';

// The Kinesis adapter against a Kinesis model as strict as the API reference: ListShards refuses a
// stream name beside a NextToken and pages; iterators are opaque and expire; GetRecords takes 1..10,000
// records and 5 calls/s per shard; the end of a closed shard has no NextShardIterator.

interface FakeRecord {
  readonly sequenceNumber: string;
  readonly data: Uint8Array;
}

interface FakeShard {
  readonly info: Shard;
  readonly records: FakeRecord[];
}

/** An in-memory Kinesis stream behind a KinesisClient stand-in. */
class FakeKinesis {
  readonly shards = new Map<string, FakeShard>();
  readonly calls: string[] = [];
  /** ChildShards in GetRecords' answer at the end of a closed shard (newer APIs; the emulator has none). */
  childShardsInAnswer = true;
  pageSize = 2;
  now = 0;
  private readonly iterators = new Map<string, { shard: string; after: number; issuedAt: number }>();
  private readonly getRecordsTimes = new Map<string, number[]>();
  private issued = 0;

  constructor(readonly streamName: string) {}

  addShard(info: Shard, payloads: readonly Uint8Array[] = []): void {
    const records = payloads.map((data, i) => ({ sequenceNumber: String(i + 1), data }));
    this.shards.set(info.ShardId ?? '', { info, records });
  }

  client(): KinesisClient {
    const send = async (command: unknown): Promise<unknown> => {
      if (command instanceof ListShardsCommand) return this.listShards(command.input);
      if (command instanceof GetShardIteratorCommand) return this.getShardIterator(command.input);
      if (command instanceof GetRecordsCommand) return this.getRecords(command.input);
      throw new TypeError(`FakeKinesis: unsupported command ${String(command)}`);
    };
    return { send } as unknown as KinesisClient;
  }

  private listShards(input: ListShardsCommand['input']): unknown {
    this.calls.push('ListShards');
    if (input.NextToken !== undefined && input.StreamName !== undefined) {
      throw awsError('InvalidArgumentException', 400, 'NextToken and StreamName cannot be provided together.');
    }
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (input.NextToken === undefined && input.StreamName !== this.streamName)
      throw awsError('ResourceNotFoundException');
    const all = [...this.shards.values()].map((shard) => shard.info);
    const page = all.slice(start, start + this.pageSize);
    const next = start + this.pageSize < all.length ? String(start + this.pageSize) : undefined;
    return { Shards: page, ...(next === undefined ? {} : { NextToken: next }), $metadata: {} };
  }

  private getShardIterator(input: GetShardIteratorCommand['input']): unknown {
    this.calls.push(`GetShardIterator ${input.ShardIteratorType ?? ''} ${input.StartingSequenceNumber ?? ''}`);
    const shard = this.shards.get(input.ShardId ?? '');
    if (input.StreamName !== this.streamName || shard === undefined) throw awsError('ResourceNotFoundException');
    let after: number;
    if (input.ShardIteratorType === 'TRIM_HORIZON' && input.StartingSequenceNumber === undefined) after = 0;
    else if (input.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER' && /^\d+$/.test(input.StartingSequenceNumber ?? '')) {
      after = Number(input.StartingSequenceNumber);
    } else throw awsError('InvalidArgumentException');
    return { ShardIterator: this.issue(input.ShardId ?? '', after), $metadata: {} };
  }

  private getRecords(input: GetRecordsCommand['input']): unknown {
    this.calls.push('GetRecords');
    const limit = input.Limit ?? 10_000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw awsError('InvalidArgumentException');
    const iterator = this.iterators.get(input.ShardIterator ?? '');
    if (iterator === undefined) throw awsError('InvalidArgumentException', 400, 'Invalid ShardIterator.');
    if (this.now - iterator.issuedAt > 300_000) throw awsError('ExpiredIteratorException');
    const times = (this.getRecordsTimes.get(iterator.shard) ?? []).filter((t) => t > this.now - 1000);
    if (times.length >= 5) throw awsError('ProvisionedThroughputExceededException');
    this.getRecordsTimes.set(iterator.shard, [...times, this.now]);
    const shard = this.shards.get(iterator.shard);
    if (shard === undefined) throw awsError('ResourceNotFoundException');
    const records = shard.records.filter((r) => Number(r.sequenceNumber) > iterator.after).slice(0, limit);
    const last = records.length > 0 ? Number(records[records.length - 1]?.sequenceNumber) : iterator.after;
    const ending = shard.info.SequenceNumberRange?.EndingSequenceNumber;
    const ended = ending !== undefined && last >= Number(ending);
    const children = [...this.shards.values()]
      .map((s) => s.info)
      .filter((s) => s.ParentShardId === iterator.shard || s.AdjacentParentShardId === iterator.shard);
    return {
      Records: records.map((r) => ({
        SequenceNumber: r.sequenceNumber,
        Data: r.data,
        PartitionKey: 'k',
        ApproximateArrivalTimestamp: new Date(1_700_000_000_000 + Number(r.sequenceNumber)),
      })),
      MillisBehindLatest: shard.records.length - records.length > 0 ? 1000 : 0,
      ...(ended ? {} : { NextShardIterator: this.issue(iterator.shard, last) }),
      ...(ended && this.childShardsInAnswer
        ? { ChildShards: children.map((c) => ({ ShardId: c.ShardId, ParentShards: [iterator.shard] })) }
        : {}),
      $metadata: {},
    };
  }

  private issue(shard: string, after: number): string {
    const token = `AAAA${++this.issued}:opaque`;
    this.iterators.set(token, { shard, after, issuedAt: this.now });
    return token;
  }
}

const STREAM = 'logstream-log-events';
const data = (stream: string, id: number, message: string): Uint8Array =>
  gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      logGroup: '/g',
      logStream: stream,
      subscriptionFilters: ['logstream-forwarder'],
      logEvents: [{ id, timestamp: 1000 + id, message }],
    }),
  );
const control = gzipSync(JSON.stringify({ messageType: 'CONTROL_MESSAGE', logEvents: [] }));
const open = (id: string, parent?: string): Shard => ({
  ShardId: id,
  ...(parent ? { ParentShardId: parent } : {}),
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
  SequenceNumberRange: { StartingSequenceNumber: '1' },
});
const closed = (id: string, ending: string): Shard => ({
  ShardId: id,
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
  SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: ending },
});

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('KinesisShardSource', () => {
  test('lists every shard through ListShards pages, with parents, hash key range and whether each is closed', async () => {
    const kinesis = new FakeKinesis(STREAM);
    kinesis.addShard(closed('shardId-000000000000', '9'));
    kinesis.addShard(open('shardId-000000000001', 'shardId-000000000000'));
    kinesis.addShard(open('shardId-000000000002', 'shardId-000000000000'));
    kinesis.addShard({ ...open('shardId-000000000003'), AdjacentParentShardId: 'shardId-000000000002' });
    const seen: string[] = [];
    const source = new KinesisShardSource({
      client: kinesis.client(),
      observe: (d, op, ok) => seen.push(`${d} ${op} ${ok}`),
    });
    // A shard listed without its range (the field is required by the API; an emulator may still leave it out).
    const withoutRange: Partial<Shard> = open('shardId-000000000004');
    delete withoutRange.HashKeyRange;
    kinesis.addShard(withoutRange as Shard);
    const hashKeyRange = { startingHashKey: '0', endingHashKey: '1' };
    expect(await source.listShards(STREAM)).toEqual([
      { shardId: 'shardId-000000000000', closed: true, hashKeyRange },
      { shardId: 'shardId-000000000001', parentShardId: 'shardId-000000000000', closed: false, hashKeyRange },
      { shardId: 'shardId-000000000002', parentShardId: 'shardId-000000000000', closed: false, hashKeyRange },
      {
        shardId: 'shardId-000000000003',
        adjacentParentShardId: 'shardId-000000000002',
        closed: false,
        hashKeyRange,
      },
      // No range rather than a made-up one.
      { shardId: 'shardId-000000000004', closed: false },
    ]);
    expect(kinesis.calls).toEqual(['ListShards', 'ListShards', 'ListShards']);
    expect(seen).toEqual(['kinesis ListShards true', 'kinesis ListShards true', 'kinesis ListShards true']);
  });

  test('reads decoded records from the oldest (TRIM_HORIZON) or after a sequence number', async () => {
    const kinesis = new FakeKinesis(STREAM);
    kinesis.addShard(open('shardId-000000000000'), [control, data('a', 1, 'one'), data('b', 2, '\u241B')]);
    const source = new KinesisShardSource({ client: kinesis.client() });
    const read = await source.read(await source.iteratorAfter(STREAM, 'shardId-000000000000', undefined));
    expect(read.records).toEqual([
      { sequenceNumber: '1', arrivedAt: 1_700_000_000_001, message: { messageType: 'CONTROL_MESSAGE' } },
      {
        sequenceNumber: '2',
        arrivedAt: 1_700_000_000_002,
        message: {
          messageType: 'DATA_MESSAGE',
          logGroup: '/g',
          logStream: 'a',
          logEvents: [{ id: '1', timestamp: 1001, message: 'one' }],
        },
      },
      {
        sequenceNumber: '3',
        arrivedAt: 1_700_000_000_003,
        message: expect.objectContaining({ logEvents: [{ id: '2', timestamp: 1002, message: '' }] }),
      },
    ]);
    expect(read).toMatchObject({ millisBehindLatest: 0, childShardIds: [], nextIterator: expect.any(String) });
    const after = await source.read(await source.iteratorAfter(STREAM, 'shardId-000000000000', '2'));
    expect(after.records.map((r) => r.sequenceNumber)).toEqual(['3']);
    expect(kinesis.calls).toContain('GetShardIterator AFTER_SEQUENCE_NUMBER 2');
    // The next iterator goes on where the read stopped.
    const next = await source.read(read.nextIterator ?? '');
    expect(next.records).toEqual([]);
  });

  test('a limit caps the read, within Kinesis bounds', async () => {
    const kinesis = new FakeKinesis(STREAM);
    kinesis.addShard(open('shardId-000000000000'), [data('a', 1, 'x'), data('a', 2, 'y')]);
    const source = new KinesisShardSource({ client: kinesis.client() });
    const iterator = await source.iteratorAfter(STREAM, 'shardId-000000000000', undefined);
    const read = await source.read(iterator, 1);
    expect(read.records.map((r) => r.sequenceNumber)).toEqual(['1']);
    expect(read.millisBehindLatest).toBeGreaterThan(0);
    await expect(source.read(read.nextIterator ?? '', 50_000)).resolves.toMatchObject({
      records: [{ sequenceNumber: '2' }],
    });
  });

  test('an undecodable record is returned malformed, in its place, and the read goes on', async () => {
    const kinesis = new FakeKinesis(STREAM);
    kinesis.addShard(open('shardId-000000000000'), [Buffer.from('plain'), data('a', 1, 'after')]);
    const source = new KinesisShardSource({ client: kinesis.client() });
    const read = await source.read(await source.iteratorAfter(STREAM, 'shardId-000000000000', undefined));
    expect(read.records[0]).toMatchObject({
      sequenceNumber: '1',
      message: undefined,
      malformed: expect.stringContaining('gzip'),
    });
    expect(read.records[1]?.message).toMatchObject({ logStream: 'a' });
  });

  test.each([true, false])(
    'the end of a closed shard: no next iterator, and its children (ChildShards in the answer: %s)',
    async (childShardsInAnswer) => {
      const kinesis = new FakeKinesis(STREAM);
      kinesis.childShardsInAnswer = childShardsInAnswer;
      kinesis.addShard(closed('shardId-000000000000', '1'), [data('a', 1, 'last')]);
      kinesis.addShard(open('shardId-000000000001', 'shardId-000000000000'));
      kinesis.addShard(open('shardId-000000000002', 'shardId-000000000000'));
      kinesis.addShard(open('shardId-000000000003'));
      const source = new KinesisShardSource({ client: kinesis.client() });
      const read = await source.read(await source.iteratorAfter(STREAM, 'shardId-000000000000', undefined));
      expect(read.records.map((r) => r.sequenceNumber)).toEqual(['1']);
      expect(read.nextIterator).toBeUndefined();
      expect(read.childShardIds).toEqual(['shardId-000000000001', 'shardId-000000000002']);
      expect(kinesis.calls.includes('ListShards')).toBe(!childShardsInAnswer);
    },
  );

  test('errors are DependencyErrors classified by their AWS code: expired iterator, rate, unknown stream', async () => {
    const kinesis = new FakeKinesis(STREAM);
    kinesis.addShard(open('shardId-000000000000'), [data('a', 1, 'x')]);
    const seen: string[] = [];
    const source = new KinesisShardSource({
      client: kinesis.client(),
      observe: (d, op, ok) => seen.push(`${op} ${ok}`),
    });
    const iterator = await source.iteratorAfter(STREAM, 'shardId-000000000000', undefined);
    for (let i = 0; i < 5; i++) await source.read(iterator);
    expect(await rejection(source.read(iterator))).toMatchObject({
      code: 'KINESIS_UNAVAILABLE',
      dependency: 'kinesis',
      operation: 'GetRecords',
      retryable: true,
      throttled: true,
      awsCode: 'ProvisionedThroughputExceededException',
    });
    kinesis.now += 300_001;
    expect(await rejection(source.read(iterator))).toMatchObject({
      awsCode: 'ExpiredIteratorException',
      retryable: false,
    });
    expect(await rejection(source.iteratorAfter('other', 'shardId-000000000000', undefined))).toMatchObject({
      operation: 'GetShardIterator',
      awsCode: 'ResourceNotFoundException',
    });
    expect(seen.filter((s) => s.endsWith('false'))).toEqual([
      'GetRecords false',
      'GetRecords false',
      'GetShardIterator false',
    ]);
  });

  test('an iterator it did not hand out is refused before any call', async () => {
    const kinesis = new FakeKinesis(STREAM);
    const source = new KinesisShardSource({ client: kinesis.client() });
    expect(await rejection(source.read('AAAAopaque'))).toMatchObject({ name: 'TypeError' });
    expect(kinesis.calls).toEqual([]);
  });
});
