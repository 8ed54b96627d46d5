// The log group's subscription filter as tests and benchmarks handle it with public AWS calls: read it, take it away
// (delivery skips what is written meanwhile, as after a delivery error on AWS), and put it back as it was (through the
// strict layer, whose delivery model takes over a filter put while its mode is `modelled`).
import {
  DeleteSubscriptionFilterCommand,
  DescribeSubscriptionFiltersCommand,
  PutSubscriptionFilterCommand,
  type CloudWatchLogsClient,
  type SubscriptionFilter,
} from '@aws-sdk/client-cloudwatch-logs';
import { SUBSCRIPTION_FILTER_NAME } from '../../src/adapters/cloudwatch/subscription';

/** logstream's filter on `logGroup`; throws when there is none. */
export async function currentFilter(cloudwatch: CloudWatchLogsClient, logGroup: string): Promise<SubscriptionFilter> {
  const answer = await cloudwatch.send(new DescribeSubscriptionFiltersCommand({ logGroupName: logGroup }));
  const found = answer.subscriptionFilters?.find((f) => f.filterName === SUBSCRIPTION_FILTER_NAME);
  if (!found) throw new Error(`no ${SUBSCRIPTION_FILTER_NAME} filter on ${logGroup}`);
  return found;
}

/** Deletes logstream's filter on `logGroup`. */
export async function removeFilter(cloudwatch: CloudWatchLogsClient, logGroup: string): Promise<void> {
  await cloudwatch.send(
    new DeleteSubscriptionFilterCommand({ logGroupName: logGroup, filterName: SUBSCRIPTION_FILTER_NAME }),
  );
}

/** Puts `filter` (as `currentFilter` read it) on `logGroup` again. */
export async function putFilter(
  cloudwatch: CloudWatchLogsClient,
  logGroup: string,
  filter: SubscriptionFilter,
): Promise<void> {
  await cloudwatch.send(
    new PutSubscriptionFilterCommand({
      logGroupName: logGroup,
      filterName: SUBSCRIPTION_FILTER_NAME,
      filterPattern: filter.filterPattern ?? '',
      destinationArn: filter.destinationArn,
      roleArn: filter.roleArn,
      distribution: filter.distribution,
    }),
  );
}
