// The CDK app's data template deployed with CloudFormation into the local stack's emulator (behind the strict AWS
// layer), then a worker and an API on the deployed names running a job end to end through push ingest.
import { randomUUID } from 'node:crypto';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
} from '@aws-sdk/client-cloudformation';
import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { LogstreamDataStack } from '../../infra';
import { describeSubscription } from '../../src/adapters/cloudwatch/subscription';
import { runProvision } from '../../src/main/provision';
import { createAwsAdapters } from '../../src/compose/wiring';
import { forwarderWorkflowId } from '../../workflows/forwarder-workflow';
import { newExecutionId, readAllLogs, startHarness, testConfig, waitSealed, type Harness } from '../support/harness';

const suffix = randomUUID().slice(0, 8);
// Short: moto names a role `<stack>-<logical id>-<12 chars>` without AWS's cut at 64 characters (IAM's limit).
const stackName = `ls-${suffix}`;
const config = testConfig();
const cloudformation = new CloudFormationClient({
  region: config.awsRegion,
  endpoint: config.awsEndpoint,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

/** The data stack as `npm run infra:synth` writes it, with names of this test's own. */
function synthesizedDataTemplate(): string {
  const app = new App();
  const stack = new LogstreamDataStack(app, 'LogstreamData', {
    data: {
      tableName: `logstream-cfn-${suffix}`,
      logGroupName: `/logstream/cfn-${suffix}`,
      streamName: `logstream-cfn-${suffix}`,
      removalPolicy: RemovalPolicy.DESTROY,
    },
  });
  return JSON.stringify(app.synth().getStackByName(stack.stackName).template);
}

let outputs: Record<string, string> = {};
let h: Harness | undefined;
let env: Record<string, string> = {};

beforeAll(async () => {
  await cloudformation.send(new CreateStackCommand({ StackName: stackName, TemplateBody: synthesizedDataTemplate() }));
  await waitUntilStackCreateComplete(
    { client: cloudformation, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
    { StackName: stackName },
  );
  const described = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  outputs = Object.fromEntries(
    (described.Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']),
  );
  env = {
    LOGSTREAM_TABLE: outputs.TableName ?? '',
    LOGSTREAM_LOG_GROUP: outputs.LogGroupName ?? '',
    LOGSTREAM_KINESIS_STREAM: outputs.StreamName ?? '',
    LOGSTREAM_SUBSCRIPTION_ROLE_ARN: outputs.SubscriptionRoleArn ?? '',
    LOGSTREAM_INGEST: 'push',
  };
});

afterAll(async () => {
  if (h !== undefined) {
    for (const shard of await h.aws.shards.listShards(env.LOGSTREAM_KINESIS_STREAM ?? '')) {
      await h.temporal.workflow
        .getHandle(forwarderWorkflowId(env.LOGSTREAM_KINESIS_STREAM ?? '', shard.shardId))
        .terminate('test over')
        .catch(() => undefined);
    }
    await h.stop();
  }
  await cloudformation.send(new DeleteStackCommand({ StackName: stackName }));
  await waitUntilStackDeleteComplete(
    { client: cloudformation, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
    { StackName: stackName },
  );
  cloudformation.destroy();
});

describe('the data stack deployed with CloudFormation on the local stack', () => {
  it('creates the table, the log group, the stream and the subscription role under the names it outputs', () => {
    expect(outputs).toEqual({
      TableName: `logstream-cfn-${suffix}`,
      LogGroupName: `/logstream/cfn-${suffix}`,
      StreamName: `logstream-cfn-${suffix}`,
      StreamArn: expect.stringMatching(
        new RegExp(`^arn:aws:kinesis:[a-z0-9-]+:\\d{12}:stream/logstream-cfn-${suffix}$`),
      ),
      SubscriptionRoleArn: expect.stringMatching(/^arn:aws:iam::\d{12}:role\//),
    });
  });

  it('runs a job end to end with a worker and an API on the deployed names', async () => {
    // moto's CloudFormation skips AWS::Logs::SubscriptionFilter and ignores a table's TimeToLiveSpecification:
    // provisioning applies both through the API, on the deployed names.
    const deployed = createAwsAdapters(testConfig(env));
    try {
      const ttlBefore = await deployed.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: env.LOGSTREAM_TABLE }));
      expect(ttlBefore.TimeToLiveDescription?.TimeToLiveStatus).not.toBe('ENABLED');
      expect(await describeSubscription(deployed.cloudwatch, env.LOGSTREAM_LOG_GROUP ?? '')).toBeUndefined();
    } finally {
      deployed.destroy();
    }
    const lines: string[] = [];
    const code = await runProvision({ ...process.env, ...env }, (line) => lines.push(line));
    expect({ code, lines }).toMatchObject({ code: 0 });
    expect(lines.join('\n')).toMatch(/subscription filter logstream-forwarder on .*: created/);

    h = await startHarness({ env });
    const ttl = await h.aws.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: env.LOGSTREAM_TABLE }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expires_at' });
    expect(await describeSubscription(h.aws.cloudwatch, env.LOGSTREAM_LOG_GROUP ?? '')).toMatchObject({
      destinationArn: outputs.StreamArn,
      roleArn: outputs.SubscriptionRoleArn,
      distribution: 'ByLogStream',
    });

    const id = newExecutionId('cfn');
    await h.client.start({
      command: ['sh', '-c', 'for i in $(seq 1 300); do echo "deployed line $i"; done; echo done >&2'],
      executionId: id,
    });
    const view = await waitSealed(h.client, id);
    expect(view).toMatchObject({ status: 'SUCCEEDED', sealed: true, lastIndex: 301, ingest: 'push' });
    const { events, sources } = await readAllLogs(h.client, id, 120);
    expect([...sources]).toEqual(['dynamodb']);
    expect(events.map((event) => event.index)).toEqual(Array.from({ length: 301 }, (_, i) => i + 1));
    expect(events.filter((event) => event.message !== 'done').map((event) => event.message)).toEqual(
      Array.from({ length: 300 }, (_, i) => `deployed line ${i + 1}`),
    );
    // The log is in the deployed table.
    expect((await h.aws.store.latestChunk(id))?.last).toBe(301);
  });
});
