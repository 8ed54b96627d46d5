// Least privilege: each process's task role allows exactly the AWS actions its code can call, on exactly logstream's
// resources. The calls are derived from the code (a call graph from the process's entry function to the SDK commands),
// not listed by hand, so a new SDK call without its permission (or a permission left behind) fails here.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { LogstreamData, LogstreamService, type LogstreamProcess } from '../../../infra';
import { repoRoot } from '../../../src/devstack/toolchain';
import { deriveSdkActions } from '../../support/sdk-actions';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type PolicyResource = { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } };

const stack = new Stack(new App(), 'Logstream');
const data = new LogstreamData(stack, 'Data');
const service = new LogstreamService(stack, 'Service', {
  data,
  image: ecs.ContainerImage.fromRegistry('registry.example.com/logstream:test'),
  temporal: { address: 'temporal.example.com:7233', namespace: 'default' },
});
const template = Template.fromStack(stack);
const logicalId = (construct: { node: { defaultChild?: unknown } }): string =>
  stack.getLogicalId(construct.node.defaultChild as never);

function statementsOf(process: LogstreamProcess): Statement[] {
  const role = logicalId(service.roles[process]);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .map((resource) => (resource as PolicyResource).Properties)
    .filter((policy) => policy.Roles.some((ref) => ref.Ref === role))
    .flatMap((policy) => policy.PolicyDocument.Statement);
}

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

describe('task roles against the code', () => {
  // One TypeScript program for both processes: the slow part.
  const derived = deriveSdkActions(repoRoot(), {
    worker: { file: 'src/main/worker.ts', name: 'startWorker' },
    api: { file: 'src/main/server.ts', name: 'startServer' },
    provision: { file: 'src/compose/wiring.ts', name: 'provisionAws' },
  });

  test('the derivation sees what provisioning calls: the caller permissions docs/architecture.md lists for it', () => {
    // iam:PassRole is no SDK call (PutSubscriptionFilter passes the role), so docs/architecture.md lists it besides these.
    expect(derived.provision).toEqual([
      'dynamodb:CreateTable',
      'dynamodb:DescribeTable',
      'dynamodb:DescribeTimeToLive',
      'dynamodb:UpdateTimeToLive',
      'kinesis:CreateStream',
      'kinesis:DescribeStreamSummary',
      'logs:CreateLogGroup',
      'logs:DescribeSubscriptionFilters',
      'logs:PutSubscriptionFilter',
    ]);
  });

  test.each(['worker', 'api'] as const)('the %s role allows exactly the actions its code calls', (process) => {
    expect(derived[process]?.length).toBeGreaterThan(0);
    const allowed = statementsOf(process).flatMap(actionsOf);
    expect(new Set(allowed).size).toBe(allowed.length);
    expect([...allowed].sort()).toEqual(derived[process]);
  });

  test.each(['worker', 'api'] as const)('the %s role allows them on logstream resources only', (process) => {
    const table = { 'Fn::GetAtt': [logicalId(data.table), 'Arn'] };
    const logGroup = { 'Fn::GetAtt': [logicalId(data.logGroup), 'Arn'] };
    const stream = { 'Fn::GetAtt': [logicalId(data.stream), 'Arn'] };
    for (const statement of statementsOf(process)) {
      expect(statement.Effect).toBe('Allow');
      const services = new Set(actionsOf(statement).map((action) => action.split(':')[0]));
      expect(services.size).toBe(1);
      const resource = JSON.stringify(statement.Resource);
      if (services.has('dynamodb')) expect(statement.Resource).toEqual(table);
      else if (services.has('kinesis')) expect(statement.Resource).toEqual(stream);
      else if (actionsOf(statement).includes('logs:DescribeLogGroups')) {
        // DescribeLogGroups lists the account's groups: its resource is every log group of the account and region.
        expect(actionsOf(statement)).toEqual(['logs:DescribeLogGroups']);
        expect(resource).toMatch(/:log-group:\*"/);
      } else expect(statement.Resource).toEqual(logGroup);
    }
  });

  test("provisioning is none of the processes' business: they run with LOGSTREAM_PROVISION=0", () => {
    const creating = [...(derived.worker ?? []), ...(derived.api ?? [])].filter((action) =>
      /:(Create|PutSubscriptionFilter|UpdateTimeToLive)/.test(action),
    );
    // What the processes create at run time: their own log streams (a job's stdout/stderr), nothing else.
    expect(creating).toEqual(['logs:CreateLogStream']);
  });
});
