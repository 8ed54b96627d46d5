// The CDK app: `npm run infra:synth` writes its templates to infra/cdk.out and checks them with cfn-lint; deploy
// with the CDK CLI from infra/ (see docs/deploy.md). Context (`-c name=value`): `image` (an image URI; default: built
// from the repository's Dockerfile), `shardCount` (a provisioned stream; default on-demand), `deletionProtection`
// (`true`), `temporalApiKeySecret` (the name of a Secrets Manager secret holding TEMPORAL_API_KEY).
import path from 'node:path';
import { App, CfnParameter } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { LogstreamDataStack, LogstreamServiceStack } from './stacks';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? path.join(__dirname, 'cdk.out') });

function context(name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

function shardCount(): number | undefined {
  const raw = context('shardCount');
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new Error(`context shardCount: a whole number of 1 or more, got ${raw}`);
  return Number(raw);
}

const image = context('image');
const dataStack = new LogstreamDataStack(app, 'LogstreamData', {
  description: 'logstream data: DynamoDB log table, CloudWatch log group, Kinesis stream and subscription filter',
  data: { shardCount: shardCount(), deletionProtection: context('deletionProtection') === 'true' },
});

new LogstreamServiceStack(app, 'LogstreamService', {
  description: 'logstream worker and API on ECS Fargate behind an Application Load Balancer',
  data: dataStack.data,
  image:
    image === undefined
      ? ecs.ContainerImage.fromAsset(path.join(__dirname, '..'))
      : ecs.ContainerImage.fromRegistry(image),
  temporalParameters: (stack) => ({
    address: new CfnParameter(stack, 'TemporalAddress', {
      description:
        'TEMPORAL_ADDRESS: host:port of the Temporal frontend (Temporal Cloud: <ns>.<account>.tmprl.cloud:7233)',
      allowedPattern: '^[A-Za-z0-9.-]+:[0-9]{1,5}$',
    }).valueAsString,
    namespace: new CfnParameter(stack, 'TemporalNamespace', {
      description: 'TEMPORAL_NAMESPACE',
      default: 'default',
      allowedPattern: '^[A-Za-z0-9._-]+$',
    }).valueAsString,
    apiKeySecretName: context('temporalApiKeySecret'),
  }),
});

app.synth();
