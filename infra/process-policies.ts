import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { LogstreamData } from './logstream-data';

/** The logstream processes that run on AWS, each with a task role of its own. */
export type LogstreamProcess = 'worker' | 'api';

/**
 * What each process's code calls, by resource (test/unit/deploy/infra-iam.test.ts derives the calls from the code and
 * compares). The processes run with `LOGSTREAM_PROVISION=0`: the stack creates the resources, they only use them.
 */
const ACTIONS: Readonly<
  Record<LogstreamProcess, Readonly<Record<'table' | 'logGroup' | 'stream', readonly string[]>>>
> = {
  // Runs the jobs (writes CloudWatch), ingests (polls CloudWatch, forwards Kinesis shards), appends and seals.
  worker: {
    // The seal's transaction is authorised by its items' actions (a Put and an Update); the drains write watches;
    // the forwarders read new streams' routes and records in batches.
    table: [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'dynamodb:BatchWriteItem',
    ],
    logGroup: [
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'logs:GetLogEvents',
      'logs:FilterLogEvents',
      'logs:DescribeSubscriptionFilters',
      // Registration: does an external stream hold lines already?
      'logs:DescribeLogStreams',
    ],
    stream: ['kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords'],
  },
  // Serves /logs and the tails (and fills a polled log on its first /logs), /readyz describes the table and group.
  api: {
    table: [
      'dynamodb:DescribeTable',
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      // The tails' watches (which executions some socket follows).
      'dynamodb:BatchWriteItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ],
    logGroup: ['logs:GetLogEvents'],
    stream: [],
  },
};

// Actions that name no single log group: DescribeLogGroups lists the account's groups (by prefix).
const ACCOUNT_ACTIONS: Readonly<Record<LogstreamProcess, readonly string[]>> = {
  worker: [],
  api: ['logs:DescribeLogGroups'],
};

/** The least-privilege statements of `process` on the resources of `data`. */
export function processStatements(process: LogstreamProcess, data: LogstreamData): iam.PolicyStatement[] {
  const actions = ACTIONS[process];
  const statements = [
    { actions: actions.table, resources: [data.table.tableArn] },
    { actions: actions.logGroup, resources: [data.logGroup.logGroupArn] },
    { actions: actions.stream, resources: [data.stream.streamArn] },
    {
      actions: ACCOUNT_ACTIONS[process],
      resources: [
        Stack.of(data).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    },
  ];
  return statements
    .filter((statement) => statement.actions.length > 0)
    .map((statement) => new iam.PolicyStatement({ actions: [...statement.actions], resources: statement.resources }));
}
