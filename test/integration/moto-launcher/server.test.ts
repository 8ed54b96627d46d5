import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand, CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { findFreePort } from '../../../src/devstack/ports';
import { repoRoot, toolchainPaths } from '../../../src/devstack/toolchain';

// The emulator's launcher, run as the server the local stack runs: it keeps HTTP/1.1 connections open (werkzeug
// alone closes each one after its response), and serialises DynamoDB's attribute values by a shorter path. Both are
// for throughput only: what a client sends and gets back must be what moto alone gives.

const HOST = '127.0.0.1';
let server: ChildProcess;
let port: number;
let stderr = '';

async function answers(): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: HOST, port, path: '/moto-api/data.json', agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200));
    });
    request.on('error', () => resolve(false));
  });
}

beforeAll(async () => {
  port = await findFreePort(HOST);
  const launcher = path.join(repoRoot(), 'src', 'devstack', 'moto_launcher');
  server = spawn(toolchainPaths().python, [launcher, '-H', HOST, '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Waits for the state (the server answers), bounded by Jest's timeout.
  while (!(await answers())) {
    if (server.exitCode !== null) throw new Error(`the launcher exited: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 60_000);

afterAll(async () => {
  if (server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
});

/** One DynamoDB JSON request on `agent`: its status, body, Connection header and whether it reused a socket. */
function call(
  agent: http.Agent,
  target: string,
  body: unknown,
): Promise<{ status: number; body: string; connection?: string; requestId?: string; reused: boolean }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: HOST,
        port,
        method: 'POST',
        path: '/',
        agent,
        headers: {
          'Content-Type': 'application/x-amz-json-1.0',
          'Content-Length': Buffer.byteLength(payload),
          'X-Amz-Target': `DynamoDB_20120810.${target}`,
          Authorization:
            'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: text,
            connection: response.headers.connection,
            requestId: response.headers['x-amzn-requestid'] as string | undefined,
            reused: request.reusedSocket,
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

test('requests on one connection are all answered, one after the other, errors included', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await call(agent, 'ListTables', {});
    const refused = await call(agent, 'DescribeTable', { TableName: 'no-such-table' });
    const third = await call(agent, 'ListTables', {});
    expect(first).toMatchObject({ status: 200, reused: false });
    expect(first.connection).not.toBe('close');
    expect(JSON.parse(first.body)).toHaveProperty('TableNames');
    // An error answer (the body was read whole before moto refused it) leaves the connection usable.
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('ResourceNotFoundException');
    expect(refused.reused).toBe(true);
    expect(third).toMatchObject({ status: 200, reused: true, body: first.body });
  } finally {
    agent.destroy();
  }
});

test('a request that asks to close its connection is answered and the connection closed', async () => {
  const agent = new http.Agent({ keepAlive: false });
  const answer = await call(agent, 'ListTables', {});
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body)).toHaveProperty('TableNames');
  expect(answer.connection).toBe('close');
});

test('every kind of attribute value comes back as it was stored', async () => {
  const client = new DynamoDBClient({
    endpoint: `http://${HOST}:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: 'kinds',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
    const item: Record<string, AttributeValue> = {
      pk: { S: 'one' },
      s: { S: 'text with ünïcode' },
      n: { N: '-12.5' },
      b: { B: bytes },
      ss: { SS: ['a', 'b'] },
      ns: { NS: ['1', '2'] },
      bs: { BS: [Uint8Array.of(1), Uint8Array.of(2, 3)] },
      m: { M: { inner: { L: [{ N: '1' }, { S: 'x' }, { NULL: true }, { M: { deep: { BOOL: false } } }] } } },
      l: { L: [{ B: Uint8Array.of(9) }, { SS: ['z'] }] },
      nul: { NULL: true },
      yes: { BOOL: true },
    };
    await client.send(new PutItemCommand({ TableName: 'kinds', Item: item }));
    const got = await client.send(new GetItemCommand({ TableName: 'kinds', Key: { pk: { S: 'one' } } }));
    // Sets come back in any order on DynamoDB.
    const sorted = (value: AttributeValue | undefined): unknown =>
      value && ('SS' in value || 'NS' in value) ? [...((value.SS ?? value.NS) as string[])].sort() : value;
    const normalised = (record: Record<string, AttributeValue>): Record<string, unknown> =>
      Object.fromEntries(Object.entries(record).map(([name, value]) => [name, sorted(value)]));
    expect(normalised(got.Item ?? {})).toEqual(normalised(item));
  } finally {
    client.destroy();
  }
});

test('a condition written again is judged against each item and its own values, and a malformed one is refused as on DynamoDB', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const put = (pk: string, seq: string, now: string) =>
    call(agent, 'PutItem', {
      TableName: 'conditions',
      Item: { pk: { S: pk }, seq: { N: seq }, expires_at: { N: '100' } },
      ConditionExpression: 'attribute_not_exists(pk) OR expires_at < :now',
      ExpressionAttributeValues: { ':now': { N: now } },
    });
  try {
    const created = await call(agent, 'CreateTable', {
      TableName: 'conditions',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(created.status).toBe(200);
    // The same text and values, against a missing item and then a present one.
    expect((await put('a', '1', '50')).status).toBe(200);
    const refused = await put('a', '2', '50');
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('ConditionalCheckFailedException');
    expect((await put('b', '1', '50')).status).toBe(200);
    // The same text with other values: the item has expired by them.
    expect((await put('a', '3', '150')).status).toBe(200);
    const got = await call(agent, 'GetItem', { TableName: 'conditions', Key: { pk: { S: 'a' } } });
    expect(JSON.parse(got.body)).toMatchObject({ Item: { seq: { N: '3' } } });
    // A binary value in the condition: the item holds it, so the same write passes again; another value fails.
    for (let i = 0; i < 2; i++) {
      const binary = await call(agent, 'PutItem', {
        TableName: 'conditions',
        Item: { pk: { S: 'd' }, b: { B: 'AAE=' } },
        ConditionExpression: 'attribute_not_exists(pk) OR b = :b',
        ExpressionAttributeValues: { ':b': { B: 'AAE=' } },
      });
      expect(binary.status).toBe(200);
    }
    const otherBinary = await call(agent, 'PutItem', {
      TableName: 'conditions',
      Item: { pk: { S: 'd' }, b: { B: 'AAI=' } },
      ConditionExpression: 'attribute_not_exists(pk) OR b = :b',
      ExpressionAttributeValues: { ':b': { B: 'AAI=' } },
    });
    expect(otherBinary.body).toContain('ConditionalCheckFailedException');
    // A malformed expression is DynamoDB's ValidationException (400, not retried), every time, and writes nothing.
    for (const [condition, values] of [
      ['attribute_not_exists(pk) AND', undefined],
      ['attribute_not_exists(pk) AND', undefined],
      ['attribute_not_exists(pk) AND #missing = :v', { ':v': { S: 'x' } }],
      ['attribute_not_exists(pk) OR expires_at < :missing', undefined],
    ] as const) {
      const bad = await call(agent, 'PutItem', {
        TableName: 'conditions',
        Item: { pk: { S: 'c' } },
        ConditionExpression: condition,
        ...(values === undefined ? {} : { ExpressionAttributeValues: values }),
      });
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.body)).toMatchObject({ __type: expect.stringMatching(/#ValidationException$/) });
    }
    const missing = await call(agent, 'GetItem', { TableName: 'conditions', Key: { pk: { S: 'c' } } });
    expect(JSON.parse(missing.body)).not.toHaveProperty('Item');
  } finally {
    agent.destroy();
  }
});

test('each answer carries a request id of its own, of 52 letters and digits', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ids = new Set<string>();
  try {
    for (let i = 0; i < 5; i++) {
      const { requestId: answer } = await call(agent, 'ListTables', {});
      expect(answer).toMatch(/^[A-Za-z0-9]{52}$/);
      ids.add(answer ?? '');
    }
    expect(ids.size).toBe(5);
  } finally {
    agent.destroy();
  }
});
