import { CreateLogGroupCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';

/** Creates the CloudWatch log group if it does not exist yet; safe to call on every start. */
export async function ensureLogGroup(client: CloudWatchLogsClient, logGroup: string): Promise<void> {
  try {
    await client.send(new CreateLogGroupCommand({ logGroupName: logGroup }));
  } catch (err) {
    // Compare by name, not instanceof: the SDK class may come from another module copy (or Jest realm).
    if (!(err instanceof Error && err.name === 'ResourceAlreadyExistsException')) throw err;
  }
}
