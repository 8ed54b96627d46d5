// The delivery model through the strict layer, with an in-memory Kinesis in place of the emulator and a clock the
// tests move: filters are taken over by staging streams, and the pump delivers on by the model.
import type { HttpAnswer } from '../../../../src/devstack/strict-aws/http-answer';
import { StrictAwsLayer } from '../../../../src/devstack/strict-aws/strict-layer';
import { decodeRecord, type DeliveredMessage } from '../../../../src/devstack/strict-aws/subscription-record';
import { FakeKinesis } from '../../../support/strict-fake-kinesis';

const DESTINATION = FakeKinesis.arn('dest');
const STAGING = 'dest-strict-staging';

function ok(body: unknown): HttpAnswer {
  return { status: 200, headers: {}, body: Buffer.from(JSON.stringify(body)) };
}

function message(stream: string, ids: string[]): DeliveredMessage {
  return {
    messageType: 'DATA_MESSAGE',
    logGroup: 'g',
    logStream: stream,
    subscriptionFilters: ['f'],
    logEvents: ids.map((id) => ({ id, timestamp: 1, message: `line ${id}` })),
  };
}

function setup(delivery: Record<string, unknown> = {}) {
  let now = 1_000_000;
  const kinesis = new FakeKinesis(() => now);
  kinesis.streams.set('dest', []);
  const layer = new StrictAwsLayer({ now: () => now, kinesis: kinesis.call, autoDeliver: false });
  layer.delivery.configure({ mode: 'modelled', lag: { medianMs: 100, p99Ms: 100 }, ...delivery });
  const forwarded: Record<string, unknown>[] = [];
  const call = (service: 'logs' | 'kinesis', operation: string, input: Record<string, unknown>, answer: unknown = {}) =>
    layer.call(service, operation, Buffer.from(JSON.stringify(input)), async (rewritten) => {
      forwarded.push(rewritten ?? input);
      return ok(answer);
    });
  const subscribe = () =>
    call('logs', 'PutSubscriptionFilter', {
      logGroupName: 'g',
      filterName: 'f',
      filterPattern: '',
      destinationArn: DESTINATION,
      roleArn: 'arn:aws:iam::123456789012:role/r',
    });
  const delivered = () =>
    (kinesis.streams.get('dest') ?? []).map((r) => ({
      key: r.partitionKey,
      ids: decodeRecord(r.data)?.logEvents.map((e) => e.id),
    }));
  const advance = async (ms: number) => {
    now += ms;
    await layer.delivery.runOnce();
  };
  return { kinesis, layer, call, subscribe, delivered, advance, forwarded };
}

describe('the delivery model in the strict layer', () => {
  test('a Kinesis destination is replaced by a staging stream, and filters still show the one given', async () => {
    const { call, subscribe, forwarded, kinesis } = setup();
    await subscribe();
    expect(forwarded[0]?.destinationArn).toBe(FakeKinesis.arn(STAGING));
    expect(kinesis.streams.has(STAGING)).toBe(true);
    const described = await call(
      'logs',
      'DescribeSubscriptionFilters',
      { logGroupName: 'g' },
      {
        subscriptionFilters: [{ filterName: 'f', destinationArn: FakeKinesis.arn(STAGING) }],
      },
    );
    expect(JSON.parse(described.body.toString('utf8'))).toEqual({
      subscriptionFilters: [{ filterName: 'f', destinationArn: DESTINATION }],
    });
  });

  test('direct mode, or a destination that does not exist, leaves the filter to the emulator', async () => {
    const direct = setup({ mode: 'direct' });
    await direct.subscribe();
    expect(direct.forwarded[0]?.destinationArn).toBe(DESTINATION);
    const missing = setup();
    missing.kinesis.streams.delete('dest');
    await missing.subscribe();
    expect(missing.forwarded[0]?.destinationArn).toBe(DESTINATION);
  });

  test('records go out after their lag, keyed by log stream, in order', async () => {
    const { subscribe, kinesis, delivered, advance, layer } = setup();
    await subscribe();
    kinesis.deliver(STAGING, message('s', ['1']));
    kinesis.deliver(STAGING, message('s', ['2']));
    await advance(50);
    expect(delivered()).toEqual([]);
    expect(layer.delivery.state().counters).toMatchObject({ received: 2, pending: 2 });
    await advance(50);
    expect(delivered()).toEqual([
      { key: 's', ids: ['1'] },
      { key: 's', ids: ['2'] },
    ]);
    expect(layer.delivery.state().counters).toMatchObject({ delivered: 2, pending: 0, maxLagMs: 100 });
  });

  test('a shard over its write limit holds records back until the next second, and loses none', async () => {
    const { subscribe, kinesis, delivered, advance, layer } = setup({
      lag: { medianMs: 0, p99Ms: 0 },
      shardLimits: { recordsPerSecond: 2, bytesPerSecond: 0 },
    });
    await subscribe();
    for (const id of ['1', '2', '3', '4', '5']) kinesis.deliver(STAGING, message('s', [id]));
    await advance(0);
    expect(delivered().map((d) => d.ids)).toEqual([['1'], ['2']]);
    await advance(1_000);
    await advance(1_000);
    expect(delivered().flatMap((d) => d.ids)).toEqual(['1', '2', '3', '4', '5']);
    expect(layer.delivery.state().counters).toMatchObject({ delivered: 5, delayedByLimits: 3 });
  });

  test('records arriving while delivery is disabled are never delivered', async () => {
    const { subscribe, kinesis, delivered, advance, layer } = setup();
    await subscribe();
    kinesis.deliver(STAGING, message('s', ['before']));
    await advance(1);
    layer.delivery.disable({ seconds: 60, logGroup: 'g' });
    kinesis.deliver(STAGING, message('s', ['inside']));
    await advance(1);
    layer.delivery.enable({ logGroup: 'g' });
    kinesis.deliver(STAGING, message('s', ['after']));
    await advance(1_000);
    expect(delivered().flatMap((d) => d.ids)).toEqual(['before', 'after']);
    expect(layer.delivery.state().counters).toMatchObject({ skipped: 1, skippedEvents: 1 });
  });

  test('a destination gone is a non-retryable error: its records are skipped and the group disabled', async () => {
    const { subscribe, kinesis, advance, layer } = setup({ errorDisableMs: 60_000 });
    await subscribe();
    kinesis.deliver(STAGING, message('s', ['lost']));
    await advance(1);
    kinesis.streams.delete('dest');
    await advance(1_000);
    const state = layer.delivery.state();
    expect(state.counters).toMatchObject({ skipped: 1, pending: 0 });
    expect(state.disabled).toEqual([expect.objectContaining({ logGroup: 'g' })]);
  });

  test('clients writing over a shard’s limit get ProvisionedThroughputExceededException, one record at a time', async () => {
    const { call, layer } = setup({ shardLimits: { recordsPerSecond: 2, bytesPerSecond: 0 } });
    const record = { PartitionKey: 'k', Data: Buffer.from('x').toString('base64') };
    const first = await call('kinesis', 'PutRecord', { StreamName: 'dest', ...record }, { SequenceNumber: '1' });
    expect(first.status).toBe(200);
    const batch = await call(
      'kinesis',
      'PutRecords',
      { StreamName: 'dest', Records: [record, record] },
      { FailedRecordCount: 0, Records: [{ SequenceNumber: '2' }] },
    );
    expect(JSON.parse(batch.body.toString('utf8'))).toEqual({
      FailedRecordCount: 1,
      Records: [
        { SequenceNumber: '2' },
        expect.objectContaining({ ErrorCode: 'ProvisionedThroughputExceededException' }),
      ],
    });
    const refused = await call('kinesis', 'PutRecord', { StreamName: 'dest', ...record });
    expect(refused.status).toBe(400);
    expect(refused.headers['x-amzn-errortype']).toBe('ProvisionedThroughputExceededException');
    expect(layer.delivery.state().counters.throttledWrites).toBe(2);
  });
});
