// The CDK constructs, synthesized in-process and read with aws-cdk-lib/assertions.
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { LogstreamData, LogstreamService, type LogstreamDataProps } from '../../../infra';
import { SUBSCRIPTION_FILTER_NAME } from '../../../src/adapters/cloudwatch/subscription';
import { LOG_TABLE_TTL_ATTRIBUTE } from '../../../src/adapters/dynamodb/provision';
import { loadConfig } from '../../../src/config';

const IMAGE = 'registry.example.com/logstream:test';

function dataTemplate(props: LogstreamDataProps = {}): { template: Template; stack: Stack; data: LogstreamData } {
  const stack = new Stack(new App(), 'Data');
  const data = new LogstreamData(stack, 'Data', props);
  return { template: Template.fromStack(stack), stack, data };
}

function serviceTemplate(options: { temporalApiKey?: boolean; wsHeartbeat?: Duration } = {}): {
  template: Template;
  stack: Stack;
  service: LogstreamService;
} {
  const stack = new Stack(new App(), 'Service');
  const data = new LogstreamData(stack, 'Data');
  const service = new LogstreamService(stack, 'Service', {
    data,
    image: ecs.ContainerImage.fromRegistry(IMAGE),
    temporal: {
      address: 'ns.acct.tmprl.cloud:7233',
      namespace: 'ns.acct',
      apiKey: options.temporalApiKey ? secretsmanager.Secret.fromSecretNameV2(stack, 'Key', 'temporal-key') : undefined,
    },
    wsHeartbeat: options.wsHeartbeat,
  });
  return { template: Template.fromStack(stack), stack, service };
}

type Container = { Name: string; Environment: { Name: string; Value: unknown }[]; Secrets?: { Name: string }[] };

function container(template: Template, name: string): Container {
  const definitions = Object.values(template.findResources('AWS::ECS::TaskDefinition')).flatMap(
    (resource) => (resource as { Properties: { ContainerDefinitions: Container[] } }).Properties.ContainerDefinitions,
  );
  const found = definitions.find((definition) => definition.Name === name);
  if (found === undefined) throw new Error(`no container ${name}`);
  return found;
}

function environmentOf(definition: Container): Record<string, unknown> {
  return Object.fromEntries(definition.Environment.map((entry) => [entry.Name, entry.Value]));
}

describe('LogstreamData', () => {
  test('the table: on-demand, the log key, TTL on the expiry attribute, point-in-time recovery, retained', () => {
    const { template } = dataTemplate();
    const config = loadConfig({});
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        TableName: config.table,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'execution_id', KeyType: 'HASH' },
          { AttributeName: 'seq', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'execution_id', AttributeType: 'S' },
          { AttributeName: 'seq', AttributeType: 'N' },
        ]),
        TimeToLiveSpecification: { AttributeName: LOG_TABLE_TTL_ATTRIBUTE, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: false,
      },
      DeletionPolicy: 'Retain',
    });
    expect(LOG_TABLE_TTL_ATTRIBUTE).toBe('expires_at');
  });

  test('deletion protection as an option', () => {
    dataTemplate({ deletionProtection: true }).template.hasResourceProperties('AWS::DynamoDB::Table', {
      DeletionProtectionEnabled: true,
    });
  });

  test('the log group with its retention', () => {
    dataTemplate().template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: loadConfig({}).logGroup,
      RetentionInDays: 30,
    });
  });

  test('the stream is on-demand by default, or provisioned with a shard count', () => {
    dataTemplate().template.hasResourceProperties('AWS::Kinesis::Stream', {
      Name: loadConfig({}).kinesisStream,
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      ShardCount: Match.absent(),
    });
    dataTemplate({ shardCount: 4 }).template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 4,
    });
  });

  test.each([0, 1.5, -2])('a shard count of %p is refused', (shardCount) => {
    expect(() => dataTemplate({ shardCount })).toThrow(/shardCount must be a whole number of 1 or more/);
  });

  test('the subscription filter: every event (empty pattern), by log stream, to the stream through its role', () => {
    const { template, stack, data } = dataTemplate();
    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      FilterName: SUBSCRIPTION_FILTER_NAME,
      FilterPattern: '',
      Distribution: 'ByLogStream',
      DestinationArn: { 'Fn::GetAtt': [stack.getLogicalId(data.stream.node.defaultChild as never), 'Arn'] },
      RoleArn: { 'Fn::GetAtt': [stack.getLogicalId(data.subscriptionRole.node.defaultChild as never), 'Arn'] },
    });
    // The role's permission exists before CloudWatch Logs test-writes through it.
    const filter = Object.values(template.findResources('AWS::Logs::SubscriptionFilter'))[0] as { DependsOn: string[] };
    const policyId = Object.keys(template.findResources('AWS::IAM::Policy'))[0];
    expect(filter.DependsOn).toContain(policyId);
  });

  test('the role CloudWatch Logs assumes may only put records on the stream', () => {
    const { template, stack, data } = dataTemplate();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'logs.amazonaws.com' },
            Condition: { StringLike: { 'aws:SourceArn': Match.anyValue() } },
          },
        ],
      },
    });
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'kinesis:PutRecord',
            Resource: { 'Fn::GetAtt': [stack.getLogicalId(data.stream.node.defaultChild as never), 'Arn'] },
          },
        ],
      },
    });
  });
});

describe('LogstreamService', () => {
  test('the load balancer idles out after twice the WebSocket ping interval the API is given', () => {
    for (const heartbeat of [undefined, Duration.seconds(45)]) {
      const { template } = serviceTemplate({ wsHeartbeat: heartbeat });
      const pingMs = Number(environmentOf(container(template, 'api')).LOGSTREAM_WS_HEARTBEAT_MS);
      const balancer = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0] as {
        Properties: { LoadBalancerAttributes: { Key: string; Value: string }[] };
      };
      const idle = balancer.Properties.LoadBalancerAttributes.find((a) => a.Key === 'idle_timeout.timeout_seconds');
      expect(Number(idle?.Value) * 1000).toBe(2 * pingMs);
      expect(pingMs).toBe((heartbeat ?? Duration.seconds(30)).toMilliseconds());
    }
  });

  test('health checks on /readyz, no session affinity', () => {
    const { template } = serviceTemplate();
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/readyz',
      Matcher: { HttpCode: '200' },
      TargetGroupAttributes: Match.not(Match.arrayWith([{ Key: 'stickiness.enabled', Value: 'true' }])),
    });
  });

  test('the worker and the API run the image as Fargate services, without provisioning anything', () => {
    const { template } = serviceTemplate();
    template.resourcePropertiesCountIs('AWS::ECS::Service', { LaunchType: 'FARGATE' }, 2);
    for (const [name, command] of [
      ['worker', ['node', 'dist/src/main/worker.js']],
      ['api', ['node', 'dist/src/main/server.js']],
    ] as const) {
      const definition = container(template, name) as Container & { Image: unknown; Command: string[] };
      expect(definition.Image).toBe(IMAGE);
      expect(definition.Command).toEqual(command);
      const env = environmentOf(definition);
      expect(env).toMatchObject({ LOGSTREAM_PROVISION: '0', LOGSTREAM_AWS: 'real', LOGSTREAM_INGEST: 'push' });
      expect(env.TEMPORAL_ADDRESS).toBe('ns.acct.tmprl.cloud:7233');
      expect(env.TEMPORAL_NAMESPACE).toBe('ns.acct');
    }
  });

  test('API keys and the ticket secret come from Secrets Manager, the Temporal API key too when given', () => {
    const api = container(serviceTemplate({ temporalApiKey: true }).template, 'api');
    expect((api.Secrets ?? []).map((secret) => secret.Name).sort()).toEqual([
      'LOGSTREAM_API_KEYS',
      'LOGSTREAM_TICKET_SECRET',
      'TEMPORAL_API_KEY',
    ]);
    expect(Object.keys(environmentOf(api))).not.toEqual(expect.arrayContaining(['LOGSTREAM_API_KEYS']));
    const withoutKey = container(serviceTemplate().template, 'worker');
    expect(withoutKey.Secrets ?? []).toEqual([]);
  });

  test('each process has a task role of its own', () => {
    const { template, stack, service } = serviceTemplate();
    const roles = [service.roles.worker, service.roles.api].map((role) =>
      stack.getLogicalId(role.node.defaultChild as never),
    );
    expect(new Set(roles).size).toBe(2);
    for (const [name, role] of [
      ['worker', roles[0]],
      ['api', roles[1]],
    ] as const) {
      const task = Object.values(template.findResources('AWS::ECS::TaskDefinition')).find((resource) =>
        (resource as { Properties: { ContainerDefinitions: Container[] } }).Properties.ContainerDefinitions.some(
          (definition) => definition.Name === name,
        ),
      ) as { Properties: { TaskRoleArn: unknown } };
      expect(task.Properties.TaskRoleArn).toEqual({ 'Fn::GetAtt': [role, 'Arn'] });
    }
  });

  test('a ping interval that leaves no valid idle timeout is refused', () => {
    expect(() => serviceTemplate({ wsHeartbeat: Duration.hours(1) })).toThrow(/leaves no valid ALB idle timeout/);
  });
});
