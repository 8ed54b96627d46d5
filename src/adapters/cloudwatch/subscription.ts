import {
  DescribeSubscriptionFiltersCommand,
  PutSubscriptionFilterCommand,
  type CloudWatchLogsClient,
  type SubscriptionFilter,
} from '@aws-sdk/client-cloudwatch-logs';
import { ProvisionError } from '../provision-error';
import { awsCodeOf } from './read-pages';

/** The name of logstream's subscription filter on a log group (one per group; AWS allows two filters per group). */
export const SUBSCRIPTION_FILTER_NAME = 'logstream-forwarder';

/** What logstream's subscription filter on a log group delivers to. */
export interface SubscriptionSpec {
  readonly logGroup: string;
  /** ARN of the Kinesis Data Stream. */
  readonly streamArn: string;
  /** The IAM role CloudWatch Logs assumes to write to the stream. */
  readonly roleArn: string;
}

/** Sends one CloudWatch call (the log source's wrapper observes it and classifies its errors). */
type Send = <T>(operation: string, send: () => Promise<T>) => Promise<T>;

const direct: Send = (_operation, send) => send();

/** logstream's subscription filter on `logGroup`, or undefined when it has none (or the group does not exist). */
export async function describeSubscription(
  client: CloudWatchLogsClient,
  logGroup: string,
  call: Send = direct,
): Promise<SubscriptionFilter | undefined> {
  try {
    const output = await call('DescribeSubscriptionFilters', () =>
      client.send(
        new DescribeSubscriptionFiltersCommand({ logGroupName: logGroup, filterNamePrefix: SUBSCRIPTION_FILTER_NAME }),
      ),
    );
    return output.subscriptionFilters?.find((filter) => filter.filterName === SUBSCRIPTION_FILTER_NAME);
  } catch (error) {
    if (codeOf(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/**
 * True when `filter` delivers every event of its log group, unchanged and grouped by log stream, to the Kinesis
 * stream `streamName`: what push ingest needs (a pattern, a selection, transformed logs or random distribution
 * would lose events or their order).
 */
export function forwardsEverythingTo(filter: SubscriptionFilter | undefined, streamName: string): boolean {
  if (filter === undefined) return false;
  return (
    (filter.filterPattern ?? '') === '' &&
    (filter.distribution ?? 'ByLogStream') === 'ByLogStream' &&
    (filter.fieldSelectionCriteria ?? '') === '' &&
    filter.applyOnTransformedLogs !== true &&
    /^arn:aws[a-z-]*:kinesis:[^:]+:\d{12}:stream\/(.+)$/.exec(filter.destinationArn ?? '')?.[1] === streamName
  );
}

/**
 * Puts logstream's subscription filter on the log group (empty pattern, ByLogStream, to the stream through the
 * role) unless it is there already as asked. Safe to call on every start.
 */
export async function ensureSubscription(
  client: CloudWatchLogsClient,
  spec: SubscriptionSpec,
): Promise<'created' | 'updated' | 'unchanged'> {
  const resource = `subscription filter ${SUBSCRIPTION_FILTER_NAME} on log group ${spec.logGroup}`;
  let existing: SubscriptionFilter | undefined;
  try {
    existing = await describeSubscription(client, spec.logGroup);
  } catch (error) {
    throw new ProvisionError(resource, messageOf(error), error);
  }
  const streamName = spec.streamArn.split(':stream/')[1] ?? '';
  if (forwardsEverythingTo(existing, streamName) && existing?.roleArn === spec.roleArn) return 'unchanged';
  try {
    await client.send(
      new PutSubscriptionFilterCommand({
        logGroupName: spec.logGroup,
        filterName: SUBSCRIPTION_FILTER_NAME,
        filterPattern: '',
        destinationArn: spec.streamArn,
        roleArn: spec.roleArn,
        distribution: 'ByLogStream',
      }),
    );
  } catch (error) {
    throw new ProvisionError(resource, explain(error, spec), error);
  }
  return existing === undefined ? 'created' : 'updated';
}

function explain(error: unknown, spec: SubscriptionSpec): string {
  const code = codeOf(error);
  if (code === 'LimitExceededException') {
    return (
      `the log group has two subscription filters already (AWS's limit): remove one, or use another log group, ` +
      `or set LOGSTREAM_INGEST=poll (${messageOf(error)})`
    );
  }
  if (code === 'InvalidParameterException') {
    // CloudWatch writes a test record through the role before it accepts the filter.
    return (
      `CloudWatch Logs could not write to ${spec.streamArn} as ${spec.roleArn}: the role must trust ` +
      `logs.amazonaws.com (or logs.<region>.amazonaws.com) and allow kinesis:PutRecord on the stream, and the ` +
      `stream must be ACTIVE; a role created moments ago may need a few seconds (${messageOf(error)})`
    );
  }
  if (code === 'AccessDeniedException') {
    return `not allowed: the caller needs logs:PutSubscriptionFilter and iam:PassRole on ${spec.roleArn} (${messageOf(error)})`;
  }
  return messageOf(error);
}

// The SDK's own errors carry the code as `name`; the log source's DependencyErrors as `awsCode`.
function codeOf(error: unknown): string | undefined {
  return awsCodeOf(error) ?? (error instanceof Error ? error.name : undefined);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
