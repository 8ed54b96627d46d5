import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SUBSCRIPTION_FILTER_NAME } from '../src/adapters/cloudwatch/subscription';
import { LOG_TABLE_KEY, LOG_TABLE_TTL_ATTRIBUTE } from '../src/adapters/dynamodb/provision';
import { loadConfig } from '../src/config';

// The names the processes use when nothing else is configured (LOGSTREAM_TABLE, LOGSTREAM_LOG_GROUP, ...).
const DEFAULTS = loadConfig({});

/** Settings of logstream's data resources; every one has a default. */
export interface LogstreamDataProps {
  /** The DynamoDB log table (`LOGSTREAM_TABLE`). */
  readonly tableName?: string;
  /** The CloudWatch log group the jobs write to (`LOGSTREAM_LOG_GROUP`). */
  readonly logGroupName?: string;
  /** The Kinesis Data Stream the subscription filter delivers to (`LOGSTREAM_KINESIS_STREAM`). */
  readonly streamName?: string;
  /** Shards of a provisioned stream; unset = on-demand capacity, which AWS recommends. */
  readonly shardCount?: number;
  /** How long CloudWatch keeps the jobs' logs (the source of truth for unsealed logs). Default: one month. */
  readonly logRetention?: logs.RetentionDays;
  /** Refuse to delete the table, even through CloudFormation. Default: false. */
  readonly deletionProtection?: boolean;
  /** What a stack deletion does to the table and the log group. Default: retain them (they hold the logs). */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * logstream's data on AWS: the DynamoDB log table (on-demand, TTL on `expires_at`, point-in-time recovery), the log
 * group, the Kinesis Data Stream, and the log group's subscription filter to the stream (every event, by log stream)
 * with the role CloudWatch Logs assumes to write to it.
 */
export class LogstreamData extends Construct {
  readonly table: dynamodb.Table;
  readonly logGroup: logs.LogGroup;
  readonly stream: kinesis.Stream;
  /** The role CloudWatch Logs assumes to put the subscription's records on the stream. */
  readonly subscriptionRole: iam.Role;
  readonly subscriptionFilter: logs.CfnSubscriptionFilter;

  constructor(scope: Construct, id: string, props: LogstreamDataProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (props.shardCount !== undefined && !(Number.isInteger(props.shardCount) && props.shardCount >= 1)) {
      throw new RangeError(`LogstreamData: shardCount must be a whole number of 1 or more, got ${props.shardCount}`);
    }

    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName ?? DEFAULTS.table,
      partitionKey: { name: LOG_TABLE_KEY.partition.name, type: dynamodb.AttributeType.STRING },
      sortKey: { name: LOG_TABLE_KEY.sort.name, type: dynamodb.AttributeType.NUMBER },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: LOG_TABLE_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy,
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: props.logGroupName ?? DEFAULTS.logGroup,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });

    this.stream = new kinesis.Stream(this, 'Stream', {
      streamName: props.streamName ?? DEFAULTS.kinesisStream,
      streamMode: props.shardCount === undefined ? kinesis.StreamMode.ON_DEMAND : kinesis.StreamMode.PROVISIONED,
      shardCount: props.shardCount,
      // The forwarders' checkpoints must be read within the retention (a trimmed one is a loss window).
      retentionPeriod: Duration.hours(24),
      encryption: kinesis.StreamEncryption.MANAGED,
    });

    this.subscriptionRole = new iam.Role(this, 'SubscriptionRole', {
      description: 'CloudWatch Logs puts the log group subscription records on the logstream Kinesis stream',
      assumedBy: new iam.ServicePrincipal('logs.amazonaws.com', {
        conditions: {
          StringLike: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'logs', resource: '*' }) },
        },
      }),
    });
    const put = new iam.Policy(this, 'SubscriptionPolicy', {
      roles: [this.subscriptionRole],
      statements: [new iam.PolicyStatement({ actions: ['kinesis:PutRecord'], resources: [this.stream.streamArn] })],
    });

    this.subscriptionFilter = new logs.CfnSubscriptionFilter(this, 'SubscriptionFilter', {
      logGroupName: this.logGroup.logGroupName,
      filterName: SUBSCRIPTION_FILTER_NAME,
      // Every event, unchanged; one log stream's events on one shard, in order.
      filterPattern: '',
      destinationArn: this.stream.streamArn,
      roleArn: this.subscriptionRole.roleArn,
      distribution: 'ByLogStream',
    });
    // CloudWatch Logs test-writes through the role when the filter is created: its permission must exist first.
    this.subscriptionFilter.node.addDependency(put);
  }

  /** The environment of a logstream process using these resources. */
  processEnvironment(): Record<string, string> {
    return {
      AWS_REGION: Aws.REGION,
      LOGSTREAM_TABLE: this.table.tableName,
      LOGSTREAM_LOG_GROUP: this.logGroup.logGroupName,
      LOGSTREAM_KINESIS_STREAM: this.stream.streamName,
      LOGSTREAM_SUBSCRIPTION_ROLE_ARN: this.subscriptionRole.roleArn,
    };
  }
}
