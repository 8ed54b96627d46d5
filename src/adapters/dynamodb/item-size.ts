import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * An item's size as DynamoDB bills it: attribute names plus values (numbers counted as about one
 * byte per two digits plus one), which is what write units are computed from (ceil(size / 1 KB)).
 */
export function itemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    if (value.S !== undefined) size += Buffer.byteLength(value.S);
    else if (value.N !== undefined) size += Math.ceil(value.N.length / 2) + 1;
    else if (value.B !== undefined) size += value.B.length;
  }
  return size;
}

/** The items an execution holds (record and chunks) and the write units storing them cost. */
export async function executionWriteUnits(
  client: DynamoDBClient,
  tableName: string,
  executionId: string,
): Promise<{ items: number; writeUnits: number }> {
  let items = 0;
  let writeUnits = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'execution_id = :id',
        ExpressionAttributeValues: { ':id': { S: executionId } },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      items++;
      writeUnits += Math.ceil(itemSize(item) / 1024);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { items, writeUnits };
}
