import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStrictProxy } from '../../../../src/devstack/strict-aws/proxy-server';
import { StrictAwsLayer } from '../../../../src/devstack/strict-aws/strict-layer';

// Where the strict layer sends each call when DynamoDB has an emulator process of its own: two recording upstreams
// stand in for the two moto processes.
interface Upstream {
  readonly port: number;
  readonly received: string[];
  close(): Promise<void>;
}

async function listening(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function upstream(name: string): Promise<Upstream> {
  const received: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = request.headers['x-amz-target'];
      const action = new URLSearchParams(Buffer.concat(chunks).toString()).get('Action');
      received.push(String(target ?? action ?? request.url));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ from: name }));
    });
  });
  const port = await listening(server);
  return { port, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const SIGNED = (service: string): string =>
  `AWS4-HMAC-SHA256 Credential=test/20261207/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`;

let main: Upstream;
let dynamodb: Upstream;
let proxy: http.Server;
let proxyPort: number;

beforeAll(async () => {
  [main, dynamodb] = await Promise.all([upstream('main'), upstream('dynamodb')]);
  proxy = createStrictProxy({
    host: '127.0.0.1',
    port: 0,
    upstreamHost: '127.0.0.1',
    upstreamPort: main.port,
    dynamodbUpstreamPort: dynamodb.port,
    layer: new StrictAwsLayer({ autoDeliver: false }),
  });
  proxyPort = await listening(proxy);
});

afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  await Promise.all([main.close(), dynamodb.close()]);
});

beforeEach(() => {
  main.received.length = 0;
  dynamodb.received.length = 0;
});

async function send(headers: Record<string, string>, body: string): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${proxyPort}/`, { method: 'POST', headers, body });
  return response.json();
}

test("DynamoDB's calls go to its own emulator, CloudWatch Logs' and Kinesis's to the main one", async () => {
  const json = 'application/x-amz-json-1.0';
  expect(await send({ 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': json }, '{}')).toEqual({
    from: 'dynamodb',
  });
  const logs = { 'x-amz-target': 'Logs_20140328.DescribeLogGroups', 'content-type': 'application/x-amz-json-1.1' };
  expect(await send(logs, '{}')).toEqual({ from: 'main' });
  const kinesis = { 'x-amz-target': 'Kinesis_20131202.ListStreams', 'content-type': 'application/x-amz-json-1.1' };
  expect(await send(kinesis, '{}')).toEqual({ from: 'main' });
  expect(dynamodb.received).toEqual(['DynamoDB_20120810.ListTables']);
  expect(main.received).toEqual(['Logs_20140328.DescribeLogGroups', 'Kinesis_20131202.ListStreams']);
});

test("a stack is created, updated and deleted in both emulators (DynamoDB's first); it is read from the main one", async () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: SIGNED('cloudformation') };
  for (const action of ['CreateStack', 'UpdateStack', 'DeleteStack', 'DescribeStacks']) {
    expect(await send(form, `Action=${action}&StackName=s&Version=2010-05-15`)).toEqual({ from: 'main' });
  }
  expect(dynamodb.received).toEqual(['CreateStack', 'UpdateStack', 'DeleteStack']);
  expect(main.received).toEqual(['CreateStack', 'UpdateStack', 'DeleteStack', 'DescribeStacks']);
});

test('a form POST of another service is not mirrored', async () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: SIGNED('sts') };
  expect(await send(form, 'Action=CreateStack')).toEqual({ from: 'main' });
  expect(dynamodb.received).toEqual([]);
});
