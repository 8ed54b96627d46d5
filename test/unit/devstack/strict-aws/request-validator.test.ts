import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { validateRequest } from '../../../../src/devstack/strict-aws/request-validator';
import { loadServiceModel, operationOfTarget } from '../../../../src/devstack/strict-aws/service-model';
import { botocoreDataDir } from '../../../../src/devstack/toolchain';

// The real botocore models of the toolchain venv: the same files the strict layer validates with.
const logs = loadServiceModel('logs');
const dynamodb = loadServiceModel('dynamodb');
const kinesis = loadServiceModel('kinesis');

const putLogEvents = (logEvents: unknown): unknown => ({
  logGroupName: '/logstream/executions',
  logStreamName: 'exec-1',
  logEvents,
});

describe('loadServiceModel', () => {
  test('reads the newest model of each service with its X-Amz-Target prefix', () => {
    expect(logs).toMatchObject({ service: 'logs', targetPrefix: 'Logs_20140328', apiVersion: '2014-03-28' });
    expect(dynamodb).toMatchObject({ service: 'dynamodb', targetPrefix: 'DynamoDB_20120810' });
    expect(kinesis).toMatchObject({ service: 'kinesis', targetPrefix: 'Kinesis_20131202' });
    expect(logs.file.startsWith(botocoreDataDir())).toBe(true);
    expect(logs.operations.get('PutLogEvents')).toEqual({ name: 'PutLogEvents', input: 'PutLogEventsRequest' });
  });

  test('is cached per service', () => {
    expect(loadServiceModel('logs')).toBe(logs);
  });

  test('maps an X-Amz-Target header to the operation of its own service only', () => {
    expect(operationOfTarget(logs, 'Logs_20140328.PutLogEvents')).toBe('PutLogEvents');
    expect(operationOfTarget(logs, 'DynamoDB_20120810.PutItem')).toBeUndefined();
    expect(operationOfTarget(dynamodb, 'DynamoDB_20120810.PutItem')).toBe('PutItem');
    expect(operationOfTarget(kinesis, 'nonsense')).toBeUndefined();
  });

  test('picks the newest API version directory and names a missing model', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'logstream-botocore-'));
    try {
      const model = (targetPrefix: string): Buffer =>
        gzipSync(JSON.stringify({ metadata: { targetPrefix }, operations: {}, shapes: {} }));
      for (const [version, prefix] of [
        ['2012-01-01', 'Old'],
        ['2014-03-28', 'New'],
      ] as const) {
        mkdirSync(path.join(dir, 'logs', version), { recursive: true });
        writeFileSync(path.join(dir, 'logs', version, 'service-2.json.gz'), model(prefix));
      }
      expect(loadServiceModel('logs', dir)).toMatchObject({ apiVersion: '2014-03-28', targetPrefix: 'New' });
      expect(() => loadServiceModel('kinesis', dir)).toThrow(expect.objectContaining({ code: 'TOOLCHAIN_MISSING' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('validateRequest: CloudWatch Logs', () => {
  test('a valid PutLogEvents passes', () => {
    const events = [
      { timestamp: 1_700_000_000_000, message: 'hello' },
      { timestamp: 1_700_000_000_001, message: 'wörld 🌍' },
    ];
    expect(validateRequest(logs, 'PutLogEvents', putLogEvents(events))).toBeUndefined();
  });

  test('an empty message fails the whole batch as AWS says it', () => {
    const events = [
      { timestamp: 1, message: 'a' },
      { timestamp: 2, message: '' },
    ];
    expect(validateRequest(logs, 'PutLogEvents', putLogEvents(events))).toEqual({
      status: 400,
      type: 'InvalidParameterException',
      message:
        "1 validation error detected: Value '' at 'logEvents.2.member.message' failed to satisfy constraint: " +
        'Member must have length greater than or equal to 1',
    });
  });

  test('a missing logStreamName must not be null', () => {
    const fault = validateRequest(logs, 'PutLogEvents', {
      logGroupName: 'g',
      logEvents: [{ timestamp: 1, message: 'a' }],
    });
    expect(fault).toEqual({
      status: 400,
      type: 'InvalidParameterException',
      message:
        "1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: " +
        'Member must not be null',
    });
  });

  test.each([
    [0, 'greater than or equal to 1'],
    [10_001, 'less than or equal to 10000'],
  ])('GetLogEvents limit %d is out of range', (limit, bound) => {
    const fault = validateRequest(logs, 'GetLogEvents', { logGroupName: 'g', logStreamName: 's', limit });
    expect(fault?.type).toBe('InvalidParameterException');
    expect(fault?.message).toBe(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${bound}`,
    );
  });

  test('several violations are counted and joined with "; "', () => {
    const fault = validateRequest(logs, 'PutLogEvents', {
      logGroupName: 'g',
      logStreamName: 'a:b',
      logEvents: [{ timestamp: -1, message: '' }],
    });
    expect(fault?.message).toBe(
      '3 validation errors detected: ' +
        "Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*; " +
        "Value '-1' at 'logEvents.1.member.timestamp' failed to satisfy constraint: Member must have value greater than or equal to 0; " +
        "Value '' at 'logEvents.1.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  test('lists at most the first 10 violations but counts them all', () => {
    const events = Array.from({ length: 25 }, (_, i) => ({ timestamp: i, message: '' }));
    const fault = validateRequest(logs, 'PutLogEvents', putLogEvents(events));
    expect(fault?.message).toMatch(/^25 validation errors detected: /);
    expect(fault?.message.split('; ')).toHaveLength(10);
    expect(fault?.message).toContain("'logEvents.10.member.message'");
    expect(fault?.message).not.toContain("'logEvents.11.member.message'");
  });

  test('an empty or an over-long batch breaks the list bounds', () => {
    expect(validateRequest(logs, 'PutLogEvents', putLogEvents([]))?.message).toBe(
      "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: " +
        'Member must have length greater than or equal to 1',
    );
    const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ timestamp: i, message: 'x' }));
    expect(validateRequest(logs, 'PutLogEvents', putLogEvents(tooMany))?.message).toMatch(
      /^1 validation error detected: Value '\[.*\.\.\.' at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000$/,
    );
  });

  test('string lengths count code points, not UTF-16 units', () => {
    // LogStreamName allows 512: 512 emoji are 1,024 UTF-16 units but 512 characters.
    const stream = (chars: number): unknown => ({ logGroupName: 'g', logStreamName: '😀'.repeat(chars) });
    expect(
      validateRequest(logs, 'DescribeLogStreams', { logGroupName: 'g', logStreamNamePrefix: '😀'.repeat(512) }),
    ).toBeUndefined();
    expect(validateRequest(logs, 'CreateLogStream', stream(512))).toBeUndefined();
    expect(validateRequest(logs, 'CreateLogStream', stream(513))?.message).toContain(
      'Member must have length less than or equal to 512',
    );
  });

  test('a value of the wrong JSON type is a SerializationException, as the AWS parser answers it', () => {
    expect(validateRequest(logs, 'PutLogEvents', putLogEvents([{ timestamp: 1, message: 42 }]))).toEqual({
      status: 400,
      type: 'SerializationException',
      message: "NUMBER_VALUE cannot be converted to String (at 'logEvents.1.member.message')",
    });
    expect(validateRequest(logs, 'GetLogEvents', { logStreamName: 's', limit: '10' })?.message).toBe(
      "STRING_VALUE cannot be converted to Integer (at 'limit')",
    );
    expect(validateRequest(logs, 'PutLogEvents', putLogEvents({}))?.type).toBe('SerializationException');
    expect(validateRequest(logs, 'PutLogEvents', [])?.type).toBe('SerializationException');
  });

  test('an unknown operation is refused', () => {
    expect(validateRequest(logs, 'PutLogEvent', {})).toEqual({
      status: 400,
      type: 'UnknownOperationException',
      message: 'Unknown operation PutLogEvent',
    });
  });

  test('a 1 MB batch of 10,000 events validates (and an absent body counts as {})', () => {
    const events = Array.from({ length: 10_000 }, (_, i) => ({ timestamp: i, message: `line ${i} ${'x'.repeat(90)}` }));
    expect(validateRequest(logs, 'PutLogEvents', putLogEvents(events))).toBeUndefined();
    expect(validateRequest(logs, 'DescribeLogGroups', undefined)).toBeUndefined();
  });
});

describe('validateRequest: DynamoDB', () => {
  const item = {
    execution_id: { S: 'exec-1' },
    seq: { N: '1' },
    body: { B: Buffer.from('chunk').toString('base64') },
    cursor: { M: { streams: { L: [{ M: { token: { S: 'f/1' }, n: { N: '3' } } }, { NULL: true }] } } },
  };

  test('a valid PutItem with nested attribute values passes', () => {
    const input = {
      TableName: 'logstream-execution-logs',
      Item: item,
      ConditionExpression: 'attribute_not_exists(seq)',
    };
    expect(validateRequest(dynamodb, 'PutItem', input)).toBeUndefined();
  });

  test('a wrong ReturnValues is outside the enum', () => {
    const fault = validateRequest(dynamodb, 'PutItem', { TableName: 't', Item: item, ReturnValues: 'EVERYTHING' });
    expect(fault).toEqual({
      status: 400,
      type: 'ValidationException',
      message:
        "1 validation error detected: Value 'EVERYTHING' at 'returnValues' failed to satisfy constraint: " +
        'Member must satisfy enum value set: [NONE, ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW]',
    });
  });

  test('a too-long TableName', () => {
    const name = 't'.repeat(1025);
    const fault = validateRequest(dynamodb, 'PutItem', { TableName: name, Item: item });
    expect(fault?.type).toBe('ValidationException');
    expect(fault?.message).toBe(
      `1 validation error detected: Value '${name.slice(0, 1024)}...' at 'tableName' failed to satisfy constraint: ` +
        'Member must have length less than or equal to 1024',
    );
  });

  test('a wrong type deep inside a recursive AttributeValue is found', () => {
    const nested = { M: { a: { L: [{ M: { b: { L: [{ S: 'ok' }, { N: 5 }] } } }] } } };
    expect(validateRequest(dynamodb, 'PutItem', { TableName: 't', Item: { pk: { S: 'x' }, deep: nested } })).toEqual({
      status: 400,
      type: 'SerializationException',
      message: "NUMBER_VALUE cannot be converted to String (at 'item.deep.m.a.l.1.member.m.b.l.2.member.n')",
    });
  });

  test('an AttributeValue holds exactly one data type, as DynamoDB reads it', () => {
    const put = (value: unknown): unknown => ({ TableName: 't', Item: { pk: { S: 'x' }, v: value } });
    const empty = 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes';
    // `{ S: undefined }` in JavaScript is `{}` on the wire.
    expect(validateRequest(dynamodb, 'PutItem', put(JSON.parse(JSON.stringify({ S: undefined }))))).toEqual({
      status: 400,
      type: 'ValidationException',
      message: empty,
    });
    expect(validateRequest(dynamodb, 'PutItem', put({ L: [{ BOOL: false }, { M: { a: {} } }] }))?.message).toBe(empty);
    expect(validateRequest(dynamodb, 'PutItem', put({ S: 'a', N: '1' }))).toEqual({
      status: 400,
      type: 'ValidationException',
      message:
        'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    });
    expect(validateRequest(dynamodb, 'PutItem', put({ NULL: true }))).toBeUndefined();
    expect(validateRequest(dynamodb, 'PutItem', put({ BOOL: false }))).toBeUndefined();
  });

  test('recursion deeper than any AWS model nests is refused without exhausting the stack', () => {
    let value: unknown = { S: 'leaf' };
    for (let i = 0; i < 5_000; i++) value = { L: [value] };
    const fault = validateRequest(dynamodb, 'PutItem', { TableName: 't', Item: { pk: value } });
    expect(fault).toEqual({
      status: 400,
      type: 'ValidationException',
      message: 'Nesting Levels have exceeded supported limits',
    });
  });

  test('map bounds are reported on the map, as AWS does', () => {
    const writes = Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: { pk: { S: `k${i}` } } } }));
    const fault = validateRequest(dynamodb, 'BatchWriteItem', { RequestItems: { t: writes } });
    expect(fault?.type).toBe('ValidationException');
    expect(fault?.message).toMatch(
      /^1 validation error detected: Value '\{.*' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: \[Member must have length less than or equal to 25\]$/,
    );
  });

  test('a required member of a nested structure must not be null', () => {
    const fault = validateRequest(dynamodb, 'Query', {
      TableName: 't',
      KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'x' }] } },
      Limit: 0,
    });
    expect(fault?.message).toBe(
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    const missing = validateRequest(dynamodb, 'Query', {
      TableName: 't',
      KeyConditions: { pk: { AttributeValueList: [] } },
    });
    expect(missing?.message).toBe(
      "1 validation error detected: Value null at 'keyConditions.pk.comparisonOperator' failed to satisfy constraint: Member must not be null",
    );
  });
});

describe('validateRequest: Kinesis', () => {
  test('valid PutRecord and GetRecords pass', () => {
    const data = Buffer.from('{"messageType":"DATA_MESSAGE"}').toString('base64');
    expect(
      validateRequest(kinesis, 'PutRecord', { StreamName: 'logs-1', Data: data, PartitionKey: 'p' }),
    ).toBeUndefined();
    expect(validateRequest(kinesis, 'GetRecords', { ShardIterator: 'AAAA', Limit: 10_000 })).toBeUndefined();
  });

  test('a StreamName outside the pattern', () => {
    const fault = validateRequest(kinesis, 'DescribeStream', { StreamName: 'bad name!' });
    expect(fault).toEqual({
      status: 400,
      type: 'ValidationException',
      message:
        "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+',
    });
  });

  test('a record list over its bound and a blob that is not base64', () => {
    const records = Array.from({ length: 501 }, () => ({ Data: 'AA==', PartitionKey: 'p' }));
    expect(validateRequest(kinesis, 'PutRecords', { StreamName: 's', Records: records })?.message).toMatch(
      /at 'records' failed to satisfy constraint: Member must have length less than or equal to 500$/,
    );
    expect(validateRequest(kinesis, 'PutRecord', { StreamName: 's', Data: 'not base64!', PartitionKey: 'p' })).toEqual({
      status: 400,
      type: 'SerializationException',
      message: "Base64 encoded data is invalid (at 'data')",
    });
  });

  test('GetRecords limit and a missing ShardIterator', () => {
    expect(validateRequest(kinesis, 'GetRecords', { Limit: 10_001 })?.message).toBe(
      '2 validation errors detected: ' +
        "Value null at 'shardIterator' failed to satisfy constraint: Member must not be null; " +
        "Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
    );
  });
});
