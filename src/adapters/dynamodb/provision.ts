import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/** TTL attribute of the log table (epoch seconds); expired items are ignored by reads and removed by DynamoDB. */
export const LOG_TABLE_TTL_ATTRIBUTE = 'expires_at';

/** The log table's key: partition `execution_id` (S), sort `seq` (N). */
export const LOG_TABLE_KEY = {
  partition: { name: 'execution_id', type: 'S' },
  sort: { name: 'seq', type: 'N' },
} as const;

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

/**
 * Creates the log table (PK `execution_id` S, SK `seq` N, on-demand) if absent, waits until it is ACTIVE and
 * enables TTL on `expires_at`. Safe to call on every start and from several processes at once.
 */
export async function ensureLogTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: LOG_TABLE_KEY.partition.name, AttributeType: LOG_TABLE_KEY.partition.type },
          { AttributeName: LOG_TABLE_KEY.sort.name, AttributeType: LOG_TABLE_KEY.sort.type },
        ],
        KeySchema: [
          { AttributeName: LOG_TABLE_KEY.partition.name, KeyType: 'HASH' },
          { AttributeName: LOG_TABLE_KEY.sort.name, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (err) {
    // ResourceInUseException = the table exists already (or is being created by a concurrent caller).
    if (errorName(err) !== 'ResourceInUseException') throw err;
  }

  // The SDK default polls every 20 s; a freshly created table is usually ACTIVE within seconds.
  await waitUntilTableExists({ client, maxWaitTime: 300, minDelay: 1, maxDelay: 5 }, { TableName: tableName });

  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (
    (status === 'ENABLED' || status === 'ENABLING') &&
    ttl.TimeToLiveDescription?.AttributeName === LOG_TABLE_TTL_ATTRIBUTE
  ) {
    return;
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: LOG_TABLE_TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (err) {
    // A concurrent caller won the race: DynamoDB answers "TimeToLive is already enabled".
    const alreadyEnabled =
      errorName(err) === 'ValidationException' && err instanceof Error && /already enabled/i.test(err.message);
    if (!alreadyEnabled) throw err;
  }
}
