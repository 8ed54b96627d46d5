// The strict AWS layer of the test stack, driven through its real port with the JavaScript SDK (which validates
// nothing before sending): what AWS refuses is refused, and the control API tightens rules and injects faults.
import { randomUUID } from 'node:crypto';
import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { waitFor } from '../../support/harness';
import { strictAws } from '../../support/strict-aws';

const endpoint = process.env.AWS_ENDPOINT_URL;
const region = process.env.AWS_REGION ?? 'us-east-1';
const group = process.env.LOGSTREAM_LOG_GROUP ?? '/logstream/executions';
const table = process.env.LOGSTREAM_TABLE ?? 'logstream-execution-logs';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
// One attempt per call: the SDK's own retries would hide what the layer answered.
const clientConfig = { endpoint, region, credentials, maxAttempts: 1 };

const strict = strictAws();
const logs = new CloudWatchLogsClient(clientConfig);
const dynamodb = new DynamoDBClient(clientConfig);

interface AwsFailure {
  name: string;
  message: string;
  status: number | undefined;
}

/** What a call failed with (name, message, HTTP status); throws when it succeeded. */
async function failure(call: Promise<unknown>): Promise<AwsFailure> {
  try {
    await call;
  } catch (error) {
    const { name, message, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name, message, status: $metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded');
}

async function newStream(): Promise<string> {
  const stream = `strict-${randomUUID()}`;
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
  return stream;
}

function put(stream: string, logEvents: InputLogEvent[]) {
  return logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents }));
}

function getPage(stream: string, nextToken?: string, limit?: number) {
  return logs.send(
    new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken, limit }),
  );
}

/** Every event of a stream, paged from the head until the token comes back unchanged (as AWS ends a stream). */
async function readStream(
  stream: string,
  limit?: number,
): Promise<{ messages: string[]; pages: number; empty: number }> {
  const messages: string[] = [];
  let token: string | undefined;
  let pages = 0;
  let empty = 0;
  for (;;) {
    const page = await getPage(stream, token, limit);
    pages++;
    const events = page.events ?? [];
    messages.push(...events.map((event) => event.message ?? ''));
    if (page.nextForwardToken === token) return { messages, pages, empty };
    if (events.length === 0) empty++;
    token = page.nextForwardToken;
    if (pages > 1000) throw new Error('the stream never ended');
  }
}

afterEach(async () => {
  await strict.resetRules();
  await strict.clearFaults();
});

afterAll(() => {
  logs.destroy();
  dynamodb.destroy();
});

describe('PutLogEvents', () => {
  test('an empty message fails the whole batch with InvalidParameterException, and nothing is stored', async () => {
    const stream = await newStream();
    const now = Date.now();
    const refused = await failure(
      put(stream, [
        { timestamp: now, message: 'before' },
        { timestamp: now, message: '' },
        { timestamp: now, message: 'after' },
      ]),
    );
    expect(refused).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    expect((await readStream(stream)).messages).toEqual([]);
    expect((await strict.stats()).operations['logs:PutLogEvents']?.rejected).toBeGreaterThanOrEqual(1);
  });

  test('too old and too new events are not stored and come back in rejectedLogEventsInfo', async () => {
    await strict.setRules({ putLogEvents: { maxPastMs: 60_000, maxFutureMs: 60_000 } });
    const stream = await newStream();
    const now = Date.now();
    const answer = await put(stream, [
      { timestamp: now - 600_000, message: 'too old' },
      { timestamp: now, message: 'kept 1' },
      { timestamp: now, message: 'kept 2' },
      { timestamp: now + 600_000, message: 'too new' },
    ]);
    expect(answer.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1, tooNewLogEventStartIndex: 3 });
    expect((await readStream(stream)).messages).toEqual(['kept 1', 'kept 2']);
  });

  test('with the default rules, an event older than 14 days is reported and the rest of the batch is stored', async () => {
    const stream = await newStream();
    const ancient = { timestamp: Date.now() - 15 * 24 * 3_600_000, message: 'ancient' };
    const answer = await put(stream, [ancient, { timestamp: Date.now(), message: 'fresh' }]);
    expect(answer.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
    const alone = await put(stream, [ancient]);
    expect(alone.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
    expect((await readStream(stream)).messages).toEqual(['fresh']);
  });

  test('a batch over 1,048,576 bytes (UTF-8 + 26 per event), out of order, or spanning over 24 h is refused', async () => {
    const stream = await newStream();
    const now = Date.now();
    const big = 'x'.repeat(200_000);
    const tooLarge = Array.from({ length: 6 }, () => ({ timestamp: now, message: big }));
    expect(await failure(put(stream, tooLarge))).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    const disordered = [
      { timestamp: now, message: 'b' },
      { timestamp: now - 1, message: 'a' },
    ];
    expect(await failure(put(stream, disordered))).toMatchObject({ name: 'InvalidParameterException' });
    const wide = [
      { timestamp: now - 25 * 3_600_000, message: 'a' },
      { timestamp: now, message: 'b' },
    ];
    expect(await failure(put(stream, wide))).toMatchObject({ name: 'InvalidParameterException' });
    expect((await readStream(stream)).messages).toEqual([]);
  });
});

describe('model validation: what the service model refuses never reaches the emulator', () => {
  /** The layer's `rejected` counter of an operation ("dynamodb:PutItem"). */
  const rejected = async (operation: string): Promise<number> =>
    (await strict.stats()).operations[operation]?.rejected ?? 0;

  test('a PutItem with a ReturnValues outside the enum is a ValidationException as AWS words it; nothing is stored', async () => {
    const key = { execution_id: { S: `strict-model-${randomUUID()}` }, seq: { N: '1' } };
    const before = await rejected('dynamodb:PutItem');
    const refused = await failure(
      dynamodb.send(
        new PutItemCommand({
          TableName: table,
          Item: { ...key, data: { S: 'x' } },
          ReturnValues: 'EVERYTHING' as never,
        }),
      ),
    );
    expect(refused).toEqual({
      name: 'ValidationException',
      status: 400,
      message:
        "1 validation error detected: Value 'EVERYTHING' at 'returnValues' failed to satisfy constraint: " +
        'Member must satisfy enum value set: [NONE, ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW]',
    });
    expect(await rejected('dynamodb:PutItem')).toBe(before + 1);
    expect((await dynamodb.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item).toBe(
      undefined,
    );
  });

  test('a GetLogEvents with a limit under the minimum is an InvalidParameterException naming the constraint', async () => {
    const stream = await newStream();
    const before = await rejected('logs:GetLogEvents');
    const refused = await failure(getPage(stream, undefined, 0));
    expect(refused).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    expect(refused.message).toMatch(
      /^1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: /,
    );
    expect(await rejected('logs:GetLogEvents')).toBe(before + 1);
  });
});

describe('account-wide read quotas', () => {
  test('40 GetLogEvents calls at once: a fresh second serves 25, and calls over 25 per second get ThrottlingException', async () => {
    const stream = await newStream();
    await strict.resetRules(); // a fresh one-second window
    const throttledBefore = (await strict.stats()).operations['logs:GetLogEvents']?.throttled ?? 0;
    const wave = async () => {
      const results = await Promise.allSettled(Array.from({ length: 40 }, () => getPage(stream)));
      const refused = results.flatMap((result) =>
        result.status === 'rejected' ? [result.reason as Error & { $metadata: { httpStatusCode?: number } }] : [],
      );
      return { succeeded: results.length - refused.length, refused };
    };
    // The first 25 calls of a fresh window are served however slowly the machine sends them. Whether the 26th meets
    // them in the same second depends on its speed: waves of 40 go until one is refused (a state, not a duration),
    // so a quota that throttles nothing cannot pass.
    const waves = [await wave()];
    while (waves.every((w) => w.refused.length === 0) && waves.length < 20) waves.push(await wave());
    expect(waves[0]?.succeeded).toBeGreaterThanOrEqual(25);
    const refused = waves.flatMap((w) => w.refused);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.map((error) => [error.name, error.$metadata.httpStatusCode])).toEqual(
      refused.map(() => ['ThrottlingException', 400]),
    );
    const throttledAfter = (await strict.stats()).operations['logs:GetLogEvents']?.throttled ?? 0;
    expect(throttledAfter - throttledBefore).toBe(refused.length);
  });

  test('a tightened quota applies at once', async () => {
    await strict.setRules({ readQuotas: { FilterLogEvents: 1 } });
    const filter = () => logs.send(new FilterLogEventsCommand({ logGroupName: group, limit: 1 }));
    const results = await Promise.allSettled([filter(), filter(), filter()]);
    expect(results.filter((result) => result.status === 'fulfilled').length).toBeLessThanOrEqual(1);
    const throttled = results.filter(
      (result) => result.status === 'rejected' && (result.reason as Error).name === 'ThrottlingException',
    );
    expect(throttled.length).toBeGreaterThanOrEqual(2);
  });
});

describe('GetLogEvents tokens and pages', () => {
  test('at the end of a stream the token given comes back unchanged; an unknown token is refused', async () => {
    await strict.setRules({ emptyPageEvery: 0 }); // the page counter is shared by every reader
    const stream = await newStream();
    await put(stream, [{ timestamp: Date.now(), message: 'one' }]);
    const first = await getPage(stream);
    expect(first.events?.map((event) => event.message)).toEqual(['one']);
    const end = await getPage(stream, first.nextForwardToken);
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(first.nextForwardToken);
    const unknown = await failure(getPage(stream, 'f/00000000000000000000000000000000000000000000000000000000'));
    expect(unknown).toMatchObject({ name: 'InvalidParameterException', status: 400 });
  });

  test('an expired token is refused with InvalidParameterException', async () => {
    await strict.setRules({ emptyPageEvery: 0 }); // the page counter is shared by every reader
    const stream = await newStream();
    await put(stream, [{ timestamp: Date.now(), message: 'one' }]);
    const { nextForwardToken } = await getPage(stream);
    await strict.setRules({ tokenTtlMs: 0 });
    // Expired once any time at all has passed since it was issued: wait for that state, not for a duration.
    const expired = await waitFor('the token to expire', async () => {
      const outcome = await failure(getPage(stream, nextForwardToken)).catch(() => undefined);
      return outcome;
    });
    expect(expired).toMatchObject({ name: 'InvalidParameterException', status: 400, message: /expired/ });
  });

  test('every Nth page before the end is empty with a new token; paging still yields every event once, in order', async () => {
    await strict.setRules({ emptyPageEvery: 2 });
    const stream = await newStream();
    const now = Date.now();
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    await put(
      stream,
      lines.map((message) => ({ timestamp: now, message })),
    );
    const read = await readStream(stream, 5);
    expect(read.messages).toEqual(lines);
    expect(read.empty).toBeGreaterThanOrEqual(3);
  });

  test('a page holds at most 1 MB (UTF-8 + 26 per event); the rest follows behind its token', async () => {
    await strict.setRules({ emptyPageEvery: 0 });
    const stream = await newStream();
    const now = Date.now();
    const message = (i: number) => `${i}`.padEnd(200_000, '.');
    await put(
      stream,
      [0, 1, 2, 3].map((i) => ({ timestamp: now, message: message(i) })),
    );
    await put(
      stream,
      [4, 5, 6, 7].map((i) => ({ timestamp: now, message: message(i) })),
    );
    const first = await getPage(stream);
    expect(first.events).toHaveLength(5);
    const second = await getPage(stream, first.nextForwardToken);
    expect(second.events?.map((event) => event.message?.slice(0, 1))).toEqual(['5', '6', '7']);
  });

  test('with an ingestion delay, new events are hidden until it has passed; the token resumes at the cut', async () => {
    await strict.setRules({ emptyPageEvery: 0 }); // the page counter is shared by every reader
    const stream = await newStream();
    await put(stream, [{ timestamp: Date.now(), message: 'visible' }]);
    await strict.setRules({ ingestionDelayMs: 3_600_000 });
    const hidden = await getPage(stream);
    expect(hidden.events).toEqual([]);
    const filtered = await logs.send(new FilterLogEventsCommand({ logGroupName: group, logStreamNames: [stream] }));
    expect(filtered.events).toEqual([]);
    await strict.setRules({ ingestionDelayMs: 0 });
    const shown = await getPage(stream, hidden.nextForwardToken);
    expect(shown.events?.map((event) => event.message)).toEqual(['visible']);
  });

  test('FilterLogEvents tokens are wrapped too: pages join up, a foreign token is refused', async () => {
    // This test is about tokens, not FilterLogEvents' 5 calls/s or empty pages.
    await strict.setRules({ readQuotas: { FilterLogEvents: 0 }, emptyPageEvery: 0 });
    const stream = await newStream();
    const now = Date.now();
    await put(
      stream,
      ['a', 'b', 'c'].map((message) => ({ timestamp: now, message })),
    );
    const messages: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({ logGroupName: group, logStreamNames: [stream], limit: 2, nextToken }),
      );
      messages.push(...(page.events ?? []).map((event) => event.message ?? ''));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    expect(messages).toEqual(['a', 'b', 'c']);
    const { nextForwardToken } = await getPage(stream);
    const foreign = logs.send(new FilterLogEventsCommand({ logGroupName: group, nextToken: nextForwardToken }));
    expect(await failure(foreign)).toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('DynamoDB item size', () => {
  const key = () => ({ execution_id: { S: `strict-${randomUUID()}` }, seq: { N: '1' } });

  test('an item over 400 KB (names + values) is a ValidationException; one under it is stored', async () => {
    const tooLarge = { ...key(), data: { B: new Uint8Array(400 * 1024) } };
    expect(await failure(dynamodb.send(new PutItemCommand({ TableName: table, Item: tooLarge })))).toEqual({
      name: 'ValidationException',
      message: 'Item size has exceeded the maximum allowed size',
      status: 400,
    });
    // moto itself refuses items over 405,000 bytes and counts binaries base64-encoded: a string stays under both.
    const fits = { ...key(), data: { S: 'x'.repeat(390 * 1024) } };
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: fits }));
    const stored = await dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { execution_id: fits.execution_id, seq: fits.seq } }),
    );
    expect(stored.Item?.data?.S?.length).toBe(390 * 1024);
  });

  test('the limit is configurable', async () => {
    await strict.setRules({ maxItemBytes: 1000 });
    const item = { ...key(), data: { S: 'x'.repeat(1000) } };
    expect(await failure(dynamodb.send(new PutItemCommand({ TableName: table, Item: item })))).toMatchObject({
      name: 'ValidationException',
    });
  });
});

describe('Kinesis', () => {
  /** One call of the Kinesis JSON protocol (the project has no Kinesis client yet; the emulator checks no signature). */
  async function kinesis(
    operation: string,
    input: Record<string, unknown>,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(endpoint ?? '', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `Kinesis_20131202.${operation}`,
        // The emulator tells services apart by the credential scope of the signature, which it does not check.
        authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/kinesis/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(input),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  test('shard iterators are opaque and expire; GetRecords is held to 5 calls/s per shard', async () => {
    const StreamName = `strict-${randomUUID()}`;
    expect((await kinesis('CreateStream', { StreamName, ShardCount: 1 })).status).toBe(200);
    const described = await kinesis('DescribeStream', { StreamName });
    const shards = (described.body.StreamDescription as { Shards: { ShardId: string }[] }).Shards;
    const ShardId = shards[0]?.ShardId;
    await kinesis('PutRecord', { StreamName, PartitionKey: 'k', Data: Buffer.from('hello').toString('base64') });
    const iterator = await kinesis('GetShardIterator', { StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' });
    const ShardIterator = iterator.body.ShardIterator as string;
    const first = await kinesis('GetRecords', { ShardIterator });
    expect(first.status).toBe(200);
    expect(
      (first.body.Records as { Data: string }[]).map((record) => Buffer.from(record.Data, 'base64').toString()),
    ).toEqual(['hello']);
    await strict.resetRules(); // a fresh one-second window
    const burst = await Promise.all(Array.from({ length: 8 }, () => kinesis('GetRecords', { ShardIterator })));
    const throttled = burst.filter((answer) => answer.body.__type === 'ProvisionedThroughputExceededException');
    expect(burst.filter((answer) => answer.status === 200).length).toBeLessThanOrEqual(5);
    expect(throttled.length).toBeGreaterThanOrEqual(3);
    await strict.setRules({ kinesis: { shardIteratorTtlMs: 0 } });
    const expired = await waitFor('the iterator to expire', async () => {
      const answer = await kinesis('GetRecords', { ShardIterator });
      return answer.body.__type === 'ExpiredIteratorException' ? answer : undefined;
    });
    expect(expired.status).toBe(400);
    await kinesis('DeleteStream', { StreamName });
  });
});

describe('faults', () => {
  test('an outage answers 503 ServiceUnavailableException, and ends', async () => {
    await strict.fault({ service: 'logs', kind: 'outage', seconds: 1, operations: ['DescribeLogGroups'] });
    const describe = () => logs.send(new DescribeLogGroupsCommand({ limit: 1 }));
    expect(await failure(describe())).toMatchObject({ name: 'ServiceUnavailableException', status: 503 });
    // Other operations and services are untouched.
    await getPage(await newStream());
    await waitFor('the outage to end', async () => (await describe()).logGroups);
    expect((await strict.stats()).operations['logs:DescribeLogGroups']?.faulted).toBeGreaterThanOrEqual(1);
  });

  test('a throttled fraction: DynamoDB answers ProvisionedThroughputExceededException, CloudWatch ThrottlingException', async () => {
    await strict.fault({ service: 'dynamodb', kind: 'throttle', fraction: 1, operations: ['GetItem'] });
    await strict.fault({ service: 'logs', kind: 'throttle', fraction: 1, operations: ['DescribeLogGroups'] });
    const get = dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { execution_id: { S: 'x' }, seq: { N: '0' } } }),
    );
    expect(await failure(get)).toMatchObject({ name: 'ProvisionedThroughputExceededException', status: 400 });
    expect(await failure(logs.send(new DescribeLogGroupsCommand({})))).toMatchObject({ name: 'ThrottlingException' });
    const { faults } = await strict.state();
    expect(faults.map((fault) => fault.kind)).toEqual(['throttle', 'throttle']);
    await strict.clearFaults();
    await logs.send(new DescribeLogGroupsCommand({ limit: 1 }));
  });

  test('the control API refuses a bad rule or fault with a clear error', async () => {
    await expect(strict.setRules({ nope: 1 } as never)).rejects.toThrow(/HTTP 400.*unknown rule nope/);
    await expect(strict.fault({ service: 'sqs', kind: 'outage' } as never)).rejects.toThrow(/HTTP 400.*service/);
  });
});
