// `logstream/testing` as a user's tests call it: a local stack of its own from the executables they give (here the
// toolchain's), with logstream's resources created and the environment that points logstream at it.
import { DescribeTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { Connection } from '@temporalio/client';
import { toolchainPaths } from '../../src/devstack/toolchain';
import { LogstreamTestEnvironment } from '../../src/testing';

describe('LogstreamTestEnvironment', () => {
  it('refuses an executable that does not exist, naming the option', async () => {
    const tools = toolchainPaths();
    await expect(
      LogstreamTestEnvironment.createLocal({
        temporalExecutable: '/nonexistent/temporal',
        pythonExecutable: tools.python,
      }),
    ).rejects.toMatchObject({ code: 'EXECUTABLE_UNUSABLE', option: 'temporalExecutable' });
    await expect(
      LogstreamTestEnvironment.createLocal({ temporalExecutable: tools.temporal, pythonExecutable: '' }),
    ).rejects.toMatchObject({ code: 'EXECUTABLE_UNUSABLE', option: 'pythonExecutable' });
  });

  it('starts Temporal and the emulator behind the strict layer, with the table, and stops them', async () => {
    const tools = toolchainPaths();
    const stack = await LogstreamTestEnvironment.createLocal({
      temporalExecutable: tools.temporal,
      pythonExecutable: tools.python,
      tableName: 'user-test-logs',
    });
    try {
      expect(stack.env).toMatchObject({
        TEMPORAL_ADDRESS: stack.temporalAddress,
        AWS_ENDPOINT_URL: stack.awsEndpoint,
        LOGSTREAM_TABLE: 'user-test-logs',
      });
      const connection = await Connection.connect({ address: stack.temporalAddress });
      try {
        const namespace = await connection.workflowService.describeNamespace({ namespace: 'default' });
        expect(namespace.namespaceInfo?.name).toBe('default');
      } finally {
        await connection.close();
      }
      const dynamodb = new DynamoDBClient({
        endpoint: stack.env.AWS_ENDPOINT_URL,
        region: stack.env.AWS_REGION,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      try {
        const table = await dynamodb.send(new DescribeTableCommand({ TableName: 'user-test-logs' }));
        expect(table.Table?.TableStatus).toBe('ACTIVE');
        // The strict layer answers for AWS: it refuses what AWS's model refuses (a Scan limit under 1).
        await expect(dynamodb.send(new ScanCommand({ TableName: 'user-test-logs', Limit: 0 }))).rejects.toMatchObject({
          name: 'ValidationException',
        });
      } finally {
        dynamodb.destroy();
      }
    } finally {
      await stack.teardown();
    }
    // teardown resolves once every process has exited: the emulator's port no longer answers.
    await expect(fetch(stack.awsEndpoint)).rejects.toThrow();
    await stack.teardown();
  });
});
