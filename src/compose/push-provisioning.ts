import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ensureSubscription, SUBSCRIPTION_FILTER_NAME } from '../adapters/cloudwatch/subscription';
import { ensureKinesisStream, type StreamWaitOptions } from '../adapters/kinesis/provision';
import { ProvisionError } from '../adapters/provision-error';
import type { Config } from '../config';

/** The settings push provisioning reads. */
export type PushSettings = Pick<
  Config,
  'ingest' | 'logGroup' | 'kinesisStream' | 'kinesisShards' | 'subscriptionRoleArn' | 'awsRegion'
>;

/** What push provisioning did. */
export type PushProvisioning =
  | { readonly kind: 'skipped'; readonly reason: string }
  | {
      readonly kind: 'ready';
      readonly streamArn: string;
      readonly openShards: number;
      readonly streamCreated: boolean;
      readonly filter: 'created' | 'updated' | 'unchanged';
    };

/**
 * Creates what push ingest needs, idempotently: the Kinesis Data Stream (ACTIVE) and logstream's subscription
 * filter on the log group. Skipped with `LOGSTREAM_INGEST=poll`, and with `auto` when no role is configured
 * (executions are then polled); `push` without a role is an error naming the role to create.
 */
export async function ensurePushDelivery(
  clients: { readonly cloudwatch: CloudWatchLogsClient; readonly kinesis: KinesisClient },
  settings: PushSettings,
  wait?: StreamWaitOptions,
): Promise<PushProvisioning> {
  if (settings.ingest === 'poll') return { kind: 'skipped', reason: 'LOGSTREAM_INGEST=poll' };
  const roleArn = settings.subscriptionRoleArn;
  if (roleArn === undefined) {
    if (settings.ingest === 'auto') {
      return { kind: 'skipped', reason: 'LOGSTREAM_SUBSCRIPTION_ROLE_ARN is not set: executions are polled' };
    }
    throw new ProvisionError(
      `subscription filter ${SUBSCRIPTION_FILTER_NAME} on log group ${settings.logGroup}`,
      `LOGSTREAM_INGEST=push needs LOGSTREAM_SUBSCRIPTION_ROLE_ARN. ${subscriptionRoleGuide(settings)}`,
    );
  }
  const stream = await ensureKinesisStream(clients.kinesis, settings.kinesisStream, settings.kinesisShards, wait);
  const filter = await ensureSubscription(clients.cloudwatch, {
    logGroup: settings.logGroup,
    streamArn: stream.streamArn,
    roleArn,
  });
  return {
    kind: 'ready',
    streamArn: stream.streamArn,
    openShards: stream.openShards,
    streamCreated: stream.created,
    filter,
  };
}

/** How to create the IAM role CloudWatch Logs assumes to write to the stream (printed when it is missing). */
export function subscriptionRoleGuide(settings: Pick<PushSettings, 'kinesisStream' | 'awsRegion'>): string {
  const region = settings.awsRegion;
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'logs.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringLike: { 'aws:SourceArn': `arn:aws:logs:${region}:ACCOUNT_ID:*` } },
      },
    ],
  };
  const permissions = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'kinesis:PutRecord',
        Resource: `arn:aws:kinesis:${region}:ACCOUNT_ID:stream/${settings.kinesisStream}`,
      },
    ],
  };
  return [
    'Create an IAM role that CloudWatch Logs may assume, with this trust policy:',
    JSON.stringify(trust),
    'and this permission policy:',
    JSON.stringify(permissions),
    'then set LOGSTREAM_SUBSCRIPTION_ROLE_ARN=arn:aws:iam::ACCOUNT_ID:role/ROLE_NAME (or LOGSTREAM_INGEST=poll).',
  ].join('\n');
}
