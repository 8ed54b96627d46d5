import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { classifyAwsError, toDependencyError } from '../../../src/adapters/aws-errors';
import { repoRoot } from '../../../src/devstack/toolchain';

const execFileAsync = promisify(execFile);

/** An error shaped as the AWS SDK v3 throws it: `name` is the AWS code, `$metadata` carries the status. */
function sdkError(name: string, httpStatusCode?: number): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    ...(httpStatusCode === undefined ? {} : { $metadata: { httpStatusCode } }),
  });
}

/** A Node system error as a refused or reset connection raises it (`name` is plain `Error`). */
function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:4566`), { code, errno: -111, syscall: 'connect' });
}

describe('classifyAwsError', () => {
  test.each([
    ['ThrottlingException', 400],
    ['ProvisionedThroughputExceededException', 400],
    ['TooManyRequestsException', 429],
    ['RequestLimitExceeded', 400],
    ['LimitExceededException', 400],
  ])('%s is throttling: retryable and throttled', (name, status) => {
    expect(classifyAwsError(sdkError(name, status))).toEqual({ code: name, retryable: true, throttled: true });
  });

  test('any 429 is throttling, whatever its code', () => {
    expect(classifyAwsError(sdkError('SomethingNew', 429))).toEqual({
      code: 'SomethingNew',
      retryable: true,
      throttled: true,
    });
  });

  test.each([
    ['ServiceUnavailableException', 503],
    ['InternalServerError', 500],
    ['InternalFailure', 500],
    ['SomethingNew', 502],
    ['UnknownError', 504],
  ])('%s (%d) is a server fault: retryable, not throttled', (name, status) => {
    expect(classifyAwsError(sdkError(name, status))).toEqual({ code: name, retryable: true, throttled: false });
  });

  test.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND'])(
    'the network error %s is retryable and reported by its code',
    (code) => {
      expect(classifyAwsError(systemError(code))).toEqual({ code, retryable: true, throttled: false });
    },
  );

  test('an unlisted system error code without an HTTP answer is still a network failure', () => {
    expect(classifyAwsError(systemError('ECONNABORTED'))).toEqual({
      code: 'ECONNABORTED',
      retryable: true,
      throttled: false,
    });
  });

  test.each([
    'InvalidParameterException',
    'ValidationException',
    'SerializationException',
    'ConditionalCheckFailedException',
    'ResourceNotFoundException',
    'ResourceAlreadyExistsException',
  ])('the client error %s is not retryable', (name) => {
    expect(classifyAwsError(sdkError(name, 400))).toEqual({ code: name, retryable: false, throttled: false });
  });

  test('a programming error (plain TypeError) is not retryable', () => {
    let caught: unknown;
    try {
      (undefined as unknown as { send: () => void }).send();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TypeError);
    expect(classifyAwsError(caught)).toEqual({ code: 'TypeError', retryable: false, throttled: false });
  });

  test.each([[undefined], [null], ['a thrown string'], [42]])(
    'a non-error value (%p) is Unknown, not retryable',
    (value) => {
      expect(classifyAwsError(value)).toEqual({ code: 'Unknown', retryable: false, throttled: false });
    },
  );
});

describe('toDependencyError', () => {
  test('carries the classification, the operation and the cause', () => {
    const cause = sdkError('ThrottlingException', 400);
    const error = toDependencyError('cloudwatch', 'GetLogEvents', cause);
    expect(error).toMatchObject({
      code: 'CLOUDWATCH_UNAVAILABLE',
      dependency: 'cloudwatch',
      operation: 'GetLogEvents',
      retryable: true,
      throttled: true,
      awsCode: 'ThrottlingException',
    });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('cloudwatch GetLogEvents failed: ThrottlingException happened');
  });

  test('a validation error becomes a non-retryable DependencyError', () => {
    const error = toDependencyError('dynamodb', 'PutItem', sdkError('ValidationException', 400));
    expect(error).toMatchObject({ retryable: false, throttled: false, awsCode: 'ValidationException' });
  });
});

// The real SDK clients against a loopback HTTP server answering as AWS does: the classification sees the
// errors exactly as the adapters receive them (names parsed from `__type`, statuses in `$metadata`).
describe('classifyAwsError on errors thrown by the real AWS SDK', () => {
  let server: Server;
  let endpoint: string;
  let answer: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const clientOptions = (url: string) => ({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // One attempt: the SDK's own retries would hide the first error and slow the test down.
    maxAttempts: 1,
  });

  async function logsError(url = endpoint, maxAttempts = 1): Promise<unknown> {
    const client = new CloudWatchLogsClient({ ...clientOptions(url), maxAttempts });
    try {
      await client.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's' }));
    } catch (error) {
      return error;
    } finally {
      client.destroy();
    }
    throw new Error('expected the call to fail');
  }

  test('InvalidParameterException (400) is not retryable', async () => {
    answer = { status: 400, body: { __type: 'InvalidParameterException', message: 'bad token' } };
    expect(classifyAwsError(await logsError())).toEqual({
      code: 'InvalidParameterException',
      retryable: false,
      throttled: false,
    });
  });

  test('ThrottlingException (400) is throttled', async () => {
    answer = { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };
    expect(classifyAwsError(await logsError())).toEqual({
      code: 'ThrottlingException',
      retryable: true,
      throttled: true,
    });
  });

  test('ServiceUnavailableException (503) is retryable', async () => {
    answer = { status: 503, body: { __type: 'ServiceUnavailableException', message: 'down' } };
    expect(classifyAwsError(await logsError())).toMatchObject({ retryable: true, throttled: false });
  });

  test('the attempts the SDK made (its own retries) are carried by the DependencyError', async () => {
    answer = { status: 503, body: { __type: 'ServiceUnavailableException', message: 'down' } };
    expect(toDependencyError('cloudwatch', 'GetLogEvents', await logsError(endpoint, 2))).toMatchObject({
      retryable: true,
      attempts: 2,
    });
    expect(toDependencyError('cloudwatch', 'GetLogEvents', await logsError())).toMatchObject({ attempts: 1 });
    expect(toDependencyError('cloudwatch', 'GetLogEvents', new Error('no metadata'))).toMatchObject({ attempts: 1 });
  });

  test("DynamoDB's namespaced ProvisionedThroughputExceededException is throttled", async () => {
    answer = {
      status: 400,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow' },
    };
    const client = new DynamoDBClient(clientOptions(endpoint));
    let caught: unknown;
    try {
      await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'x' } } }));
    } catch (error) {
      caught = error;
    } finally {
      client.destroy();
    }
    expect(classifyAwsError(caught)).toEqual({
      code: 'ProvisionedThroughputExceededException',
      retryable: true,
      throttled: true,
    });
  });

  test('a socket error wrapped by the SDK without its code is still a retryable network failure', () => {
    const wrapped = new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1');
    expect(classifyAwsError(wrapped)).toEqual({ code: 'ECONNREFUSED', retryable: true, throttled: false });
    // Any other error without a status stays non-retryable.
    expect(classifyAwsError(new Error('AWS SDK error wrapper for Error: boom'))).toEqual({
      code: 'Error',
      retryable: false,
      throttled: false,
    });
  });

  // Run in a plain Node process: inside Jest the SDK's retry middleware fails `instanceof Error` on Node's own
  // socket errors (another realm) and replaces them by a wrapper without `code`, which production never sees.
  test('a refused connection is a retryable network failure', async () => {
    // A port that was just free: bound and released here, so nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const script = `
      const { CloudWatchLogsClient, GetLogEventsCommand } = require('@aws-sdk/client-cloudwatch-logs');
      const { classifyAwsError } = require('./src/adapters/aws-errors');
      const client = new CloudWatchLogsClient(${JSON.stringify(clientOptions(`http://127.0.0.1:${port}`))});
      client.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's' })).then(
        () => process.stdout.write('null'),
        (error) => process.stdout.write(JSON.stringify(classifyAwsError(error))),
      );`;
    const { stdout } = await execFileAsync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: repoRoot() });
    expect(JSON.parse(stdout)).toEqual({ code: 'ECONNREFUSED', retryable: true, throttled: false });
  });
});
