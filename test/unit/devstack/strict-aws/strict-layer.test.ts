// The strict layer in-process, with a fake emulator behind it that answers GetLogEvents with moto's index tokens.
import type { AwsService } from '../../../../src/devstack/strict-aws/aws-fault';
import type { HttpAnswer } from '../../../../src/devstack/strict-aws/http-answer';
import { StrictAwsLayer } from '../../../../src/devstack/strict-aws/strict-layer';

interface StoredEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

/** moto's GetLogEvents paging from the head (`f/<index of the last event returned>`). */
function motoToken(index: number): string {
  return `f/${index < 0 ? `-${String(-index).padStart(55, '0')}` : String(index).padStart(56, '0')}`;
}

class FakeEmulator {
  events: StoredEvent[] = [];
  received: Record<string, unknown>[] = [];

  answer(input: Record<string, unknown>): HttpAnswer {
    this.received.push(input);
    const limit = typeof input.limit === 'number' ? input.limit : 10_000;
    const token = typeof input.nextToken === 'string' ? input.nextToken : undefined;
    const start = token === undefined ? 0 : Number(token.slice(2)) + 1;
    const final = this.events.length - 1;
    if (start > final) return ok({ events: [], nextForwardToken: motoToken(final), nextBackwardToken: 'b/0' });
    const page = this.events.slice(start, start + limit);
    return ok({ events: page, nextForwardToken: motoToken(start + page.length - 1), nextBackwardToken: 'b/0' });
  }
}

function ok(body: unknown): HttpAnswer {
  return {
    status: 200,
    headers: { 'content-length': '1', 'x-amz-crc32': '1' },
    body: Buffer.from(JSON.stringify(body)),
  };
}

function json(answer: HttpAnswer): Record<string, unknown> {
  return JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
}

function setup(options: { now?: () => number; random?: () => number } = {}) {
  const emulator = new FakeEmulator();
  const layer = new StrictAwsLayer({ ...options, sleep: async () => undefined });
  const call = (service: AwsService, operation: string, input: Record<string, unknown>) =>
    layer.call(service, operation, Buffer.from(JSON.stringify(input)), async (rewritten) =>
      emulator.answer(rewritten ?? input),
    );
  const getPage = async (nextToken?: string, limit?: number) => {
    const input = { logGroupName: 'g', logStreamName: 's', startFromHead: true, nextToken, limit };
    return json(await call('logs', 'GetLogEvents', input)) as {
      events: StoredEvent[];
      nextForwardToken: string;
      __type?: string;
    };
  };
  return { emulator, layer, call, getPage };
}

function store(emulator: FakeEmulator, count: number, ingestionTime = 0, size = 1): void {
  for (let i = 0; i < count; i++) {
    const message = `${emulator.events.length + 1}`.padEnd(size, '.');
    emulator.events.push({ timestamp: 1, message, ingestionTime });
  }
}

describe('StrictAwsLayer: GetLogEvents', () => {
  test('tokens are opaque; the emulator gets its own back; at the end the given token returns unchanged', async () => {
    const { emulator, layer, getPage } = setup();
    layer.setRules({ emptyPageEvery: 0 });
    store(emulator, 3);
    const first = await getPage(undefined, 2);
    expect(first.events.map((e) => e.message)).toEqual(['1', '2']);
    expect(first.nextForwardToken).not.toMatch(/^f\/\d+$/);
    const second = await getPage(first.nextForwardToken, 2);
    expect(emulator.received[1]?.nextToken).toBe(motoToken(1));
    expect(second.events.map((e) => e.message)).toEqual(['3']);
    const end = await getPage(second.nextForwardToken, 2);
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(second.nextForwardToken);
  });

  test('every Nth page with events comes back empty, with a new token at the same place', async () => {
    const { emulator, layer, getPage } = setup();
    layer.setRules({ emptyPageEvery: 3 });
    store(emulator, 10);
    const seen: string[] = [];
    const shapes: string[] = [];
    let token: string | undefined;
    for (;;) {
      const page = await getPage(token, 2);
      if (page.nextForwardToken === token) break;
      shapes.push(page.events.length === 0 ? 'empty' : 'events');
      seen.push(...page.events.map((e) => e.message));
      token = page.nextForwardToken;
    }
    expect(seen).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(shapes).toEqual(['events', 'events', 'empty', 'events', 'events', 'empty', 'events']);
  });

  test('events put less than ingestionDelayMs ago are cut off, and the token resumes at the cut', async () => {
    let now = 10_000;
    const { emulator, layer, getPage } = setup({ now: () => now });
    layer.setRules({ emptyPageEvery: 0, ingestionDelayMs: 1000 });
    store(emulator, 2, 8_000);
    store(emulator, 2, 9_500);
    const first = await getPage();
    expect(first.events.map((e) => e.message)).toEqual(['1', '2']);
    const hidden = await getPage(first.nextForwardToken);
    expect(hidden.events).toEqual([]);
    expect(hidden.nextForwardToken).toBe(first.nextForwardToken);
    now = 10_600;
    const shown = await getPage(hidden.nextForwardToken);
    expect(shown.events.map((e) => e.message)).toEqual(['3', '4']);
  });

  test('a page is cut at 1 MB (UTF-8 + 26 per event) and continues behind the token', async () => {
    const { emulator, layer, getPage } = setup();
    layer.setRules({ emptyPageEvery: 0 });
    store(emulator, 7, 0, 200_000);
    const first = await getPage();
    expect(first.events).toHaveLength(5);
    const rest = await getPage(first.nextForwardToken);
    expect(rest.events.map((e) => e.message.slice(0, 1))).toEqual(['6', '7']);
  });

  test('a token expires after tokenTtlMs; a token of another stream is refused', async () => {
    let now = 0;
    const { emulator, layer, getPage, call } = setup({ now: () => now });
    store(emulator, 1);
    const { nextForwardToken } = await getPage();
    layer.setRules({ tokenTtlMs: 1000 });
    now = 1001;
    expect(await getPage(nextForwardToken)).toMatchObject({ __type: 'InvalidParameterException' });
    now = 0;
    const other = await call('logs', 'GetLogEvents', {
      logGroupName: 'g',
      logStreamName: 'other',
      nextToken: nextForwardToken,
    });
    expect(other.status).toBe(400);
    expect(layer.stats.of('logs', 'GetLogEvents').rejected).toBe(2);
  });

  test('the read quota answers 400 ThrottlingException "Rate exceeded" and counts it', async () => {
    const { layer, getPage } = setup({ now: () => 0 });
    layer.setRules({ readQuotas: { GetLogEvents: 2 } });
    const pages = [await getPage(), await getPage(), await getPage()];
    expect(pages.map((page) => page.__type)).toEqual([undefined, undefined, 'ThrottlingException']);
    expect(layer.stats.of('logs', 'GetLogEvents')).toMatchObject({ calls: 3, throttled: 1, rejected: 0, faulted: 0 });
    expect(layer.stats.of('logs', 'GetLogEvents').upstreamMs).toBeGreaterThanOrEqual(0);
  });
});

describe('StrictAwsLayer: PutLogEvents, validation, faults', () => {
  test('too old events are removed from the forwarded batch and reported; all rejected = not forwarded', async () => {
    const now = 100 * 86_400_000;
    const { emulator, layer, call } = setup({ now: () => now });
    layer.setRules({ putLogEvents: { maxPastMs: 60_000 } });
    const events = [
      { timestamp: now - 120_000, message: 'old' },
      { timestamp: now, message: 'new' },
    ];
    emulator.answer = (input) => {
      emulator.received.push(input);
      return ok({ nextSequenceToken: '1' });
    };
    const put = (logEvents: unknown[]) =>
      call('logs', 'PutLogEvents', { logGroupName: 'g', logStreamName: 's', logEvents });
    expect(json(await put(events))).toEqual({
      nextSequenceToken: '1',
      rejectedLogEventsInfo: { tooOldLogEventEndIndex: 1 },
    });
    expect(emulator.received.map((input) => input.logEvents)).toEqual([[events[1]]]);
    expect(json(await put([events[0]]))).toEqual({ rejectedLogEventsInfo: { tooOldLogEventEndIndex: 1 } });
    const refused = await put([{ timestamp: now, message: '' }]);
    expect(refused.status).toBe(400);
    expect(refused.headers['x-amzn-errortype']).toBe('InvalidParameterException');
    expect(emulator.received).toHaveLength(1);
  });

  test("the emulator's own rejection report (inclusive old end) is turned into AWS's (exclusive)", async () => {
    const now = 100 * 86_400_000;
    const { emulator, layer, call } = setup({ now: () => now });
    layer.setRules({ putLogEvents: { maxPastMs: 30 * 86_400_000 } });
    emulator.answer = () => ok({ nextSequenceToken: '1', rejectedLogEventsInfo: { tooOldLogEventEndIndex: 0 } });
    const logEvents = [
      { timestamp: now - 20 * 86_400_000, message: 'old for the emulator' },
      { timestamp: now - 20 * 86_400_000 + 1, message: 'kept' },
    ];
    const answer = await call('logs', 'PutLogEvents', { logGroupName: 'g', logStreamName: 's', logEvents });
    expect(json(answer)).toEqual({ nextSequenceToken: '1', rejectedLogEventsInfo: { tooOldLogEventEndIndex: 1 } });
    expect(answer.headers['content-length']).toBeUndefined();
  });

  test('a model violation is answered without reaching the emulator', async () => {
    const emulator = new FakeEmulator();
    const layer = new StrictAwsLayer({
      validate: () => ({ status: 400, type: 'ValidationException', message: 'bad' }),
    });
    const answer = await layer.call('dynamodb', 'GetItem', Buffer.from('{}'), async () => emulator.answer({}));
    expect(json(answer)).toEqual({ __type: 'com.amazonaws.dynamodb.v20120810#ValidationException', message: 'bad' });
    expect(emulator.received).toEqual([]);
  });

  test('a read names its log group by name or by identifier, exactly one of them', async () => {
    const { call } = setup();
    const both = await call('logs', 'GetLogEvents', { logGroupName: 'g', logGroupIdentifier: 'g', logStreamName: 's' });
    expect(json(both)).toMatchObject({ __type: 'InvalidParameterException', message: /mutually exclusive/ });
    const neither = await call('logs', 'FilterLogEvents', {});
    expect(json(neither)).toMatchObject({ __type: 'InvalidParameterException' });
    expect((await call('logs', 'DescribeLogStreams', { logGroupIdentifier: 'g' })).status).toBe(200);
  });

  test('a malformed body is a SerializationException', async () => {
    const { layer } = setup();
    const answer = await layer.call('logs', 'DescribeLogGroups', Buffer.from('{'), async () => ok({}));
    expect(answer.status).toBe(400);
    expect(json(answer).__type).toBe('SerializationException');
  });

  test('an outage of one operation answers 503 until it ends; a throttle takes its fraction', async () => {
    let now = 0;
    let random = 0.5;
    const { layer, call } = setup({ now: () => now, random: () => random });
    layer.addFault({ service: 'logs', kind: 'outage', seconds: 2, operations: ['DescribeLogGroups'] });
    expect((await call('logs', 'DescribeLogGroups', {})).status).toBe(503);
    expect((await call('logs', 'DescribeLogStreams', { logGroupName: 'g' })).status).toBe(200);
    now = 2000;
    expect((await call('logs', 'DescribeLogGroups', {})).status).toBe(200);
    layer.addFault({ service: 'dynamodb', kind: 'throttle', fraction: 0.3 });
    expect((await call('dynamodb', 'GetItem', {})).status).toBe(200);
    random = 0.2;
    const throttled = await call('dynamodb', 'GetItem', {});
    expect(json(throttled).__type).toMatch(/#ProvisionedThroughputExceededException$/);
    expect(layer.stats.of('dynamodb', 'GetItem')).toMatchObject({ calls: 2, throttled: 1, rejected: 0, faulted: 1 });
    expect(layer.stats.of('logs', 'DescribeLogGroups').faulted).toBe(1);
  });

  test('added latency is waited out before the call goes on', async () => {
    const waits: number[] = [];
    const layer = new StrictAwsLayer({ sleep: async (ms) => void waits.push(ms) });
    layer.addFault({ service: 'kinesis', kind: 'latency', latencyMs: 250, operations: ['GetRecords'] });
    await layer.call('kinesis', 'GetRecords', Buffer.from('{}'), async () => ok({}));
    await layer.call('kinesis', 'PutRecord', Buffer.from('{}'), async () => ok({}));
    expect(waits).toEqual([250]);
  });
});

describe('StrictAwsLayer: Kinesis shard iterators', () => {
  const motoIterator = (shard: string, sequence: number) =>
    Buffer.from(`stream-a:${shard}:${sequence}`).toString('base64');

  function kinesis(now: () => number) {
    const received: Record<string, unknown>[] = [];
    const layer = new StrictAwsLayer({ now });
    const call = async (operation: string, input: Record<string, unknown>) =>
      json(
        await layer.call('kinesis', operation, Buffer.from(JSON.stringify(input)), async (rewritten) => {
          received.push(rewritten ?? input);
          if (operation === 'GetShardIterator') return ok({ ShardIterator: motoIterator(String(input.ShardId), 0) });
          return ok({ Records: [], NextShardIterator: motoIterator('shardId-0', 1), MillisBehindLatest: 0 });
        }),
      );
    return { layer, call, received };
  }

  test('iterators are opaque, expire after five minutes, and GetRecords is held to 5 calls/s per shard', async () => {
    let now = 0;
    const { call, received } = kinesis(() => now);
    const { ShardIterator } = (await call('GetShardIterator', { ShardId: 'shardId-0' })) as { ShardIterator: string };
    expect(ShardIterator).not.toBe(motoIterator('shardId-0', 0));
    const page = (await call('GetRecords', { ShardIterator })) as { NextShardIterator: string };
    expect(received[1]?.ShardIterator).toBe(motoIterator('shardId-0', 0));
    expect(page.NextShardIterator).not.toBe(motoIterator('shardId-0', 1));
    const calls = await Promise.all(Array.from({ length: 5 }, () => call('GetRecords', { ShardIterator })));
    expect(calls.map((answer) => answer.__type)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'ProvisionedThroughputExceededException',
    ]);
    now = 300_001;
    expect(await call('GetRecords', { ShardIterator })).toMatchObject({ __type: 'ExpiredIteratorException' });
    expect(await call('GetRecords', { ShardIterator: motoIterator('shardId-0', 0) })).toMatchObject({
      __type: 'InvalidArgumentException',
    });
  });
});
