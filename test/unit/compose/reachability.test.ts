import net from 'node:net';
import { loadConfig } from '../../../src/config';
import { asUnreachable, assertReachable, endpointsOf } from '../../../src/compose/reachability';

/** A loopback port nobody listens on (bound once by the OS, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('unreachable Temporal or AWS: one line naming the address, the variable and the fix', () => {
  test('a refused Temporal address', async () => {
    const port = await closedPort();
    const config = loadConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${port}`, LOGSTREAM_LOCAL_STACK: '0' });
    const error = await rejection(assertReachable(endpointsOf(config, 'npm start')));
    expect(error).toMatchObject({
      code: 'ENDPOINT_UNREACHABLE',
      dependency: 'Temporal',
      variable: 'TEMPORAL_ADDRESS',
      reason: 'connection refused',
    });
    expect(String(error.message)).toBe(
      `cannot reach Temporal at 127.0.0.1:${port} (TEMPORAL_ADDRESS): connection refused. Fix: start a Temporal ` +
        'server there (temporal server start-dev) or set TEMPORAL_ADDRESS to one that runs, or unset ' +
        'TEMPORAL_ADDRESS and LOGSTREAM_LOCAL_STACK so npm start runs its own',
    );
  });

  test('a refused AWS endpoint, after a Temporal that answers', async () => {
    const temporal = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => temporal.listen(0, '127.0.0.1', resolve));
    try {
      const temporalPort = (temporal.address() as net.AddressInfo).port;
      const awsPort = await closedPort();
      const config = loadConfig({
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
        AWS_ENDPOINT_URL: `http://127.0.0.1:${awsPort}`,
      });
      const error = await rejection(assertReachable(endpointsOf(config, 'standalone')));
      expect(error).toMatchObject({ code: 'ENDPOINT_UNREACHABLE', variable: 'AWS_ENDPOINT_URL' });
      expect(String(error.message)).toMatch(
        new RegExp(`^cannot reach AWS \\(CloudWatch Logs, DynamoDB\\) at http://127\\.0\\.0\\.1:${awsPort} `),
      );
      expect(String(error.message)).toContain('LOGSTREAM_AWS=real');
      expect(String(error.message)).not.toContain('\n');
    } finally {
      temporal.close();
    }
  });

  test('real AWS is named by its regional endpoints and AWS_REGION', () => {
    const endpoints = endpointsOf(loadConfig({ LOGSTREAM_AWS: 'real', AWS_REGION: 'eu-west-1' }), 'standalone');
    expect(endpoints.map((e) => [e.address, e.variable])).toEqual([
      ['127.0.0.1:7233', 'TEMPORAL_ADDRESS'],
      ['https://logs.eu-west-1.amazonaws.com', 'AWS_REGION'],
      ['https://dynamodb.eu-west-1.amazonaws.com', 'AWS_REGION'],
    ]);
  });

  test('transport failures of a start become the same one line; other errors pass through', () => {
    const config = loadConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4599', TEMPORAL_ADDRESS: '127.0.0.1:7299' });
    const grpc = new Error(
      'tonic::transport::Error(Transport, ConnectError(ConnectError("tcp connect error", 127.0.0.1:7299)))',
    );
    expect(asUnreachable(grpc, config, 'standalone')).toMatchObject({
      code: 'ENDPOINT_UNREACHABLE',
      variable: 'TEMPORAL_ADDRESS',
    });
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4599'), {
      code: 'ECONNREFUSED',
      address: '127.0.0.1',
      port: 4599,
    });
    const sdk = new Error('provisioning failed', { cause: socket });
    expect(asUnreachable(sdk, config, 'standalone')).toMatchObject({
      code: 'ENDPOINT_UNREACHABLE',
      variable: 'AWS_ENDPOINT_URL',
      reason: 'connection refused',
    });
    const other = new Error('AccessDeniedException');
    expect(asUnreachable(other, config, 'standalone')).toBe(other);
  });
});
