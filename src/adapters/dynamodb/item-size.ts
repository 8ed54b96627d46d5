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
    else if (value.BOOL !== undefined) size += 1;
  }
  return size;
}

/** What storing an execution's log cost in DynamoDB write units (1 unit = 1 KB written; see `itemSize`). */
export interface ExecutionWriteCost {
  /** Items the execution holds: its record, its chunks and, once sealed, the seal's fence. */
  readonly items: number;
  readonly chunks: number;
  /** Writing every item once (the record and chunk puts). */
  readonly writeUnits: number;
  /**
   * What the seal wrote: its fence put and its record update, and an UpdateItem for each chunk it gave the
   * seal's expiry (billed on the chunk's whole size as DynamoDB bills any update). Chunks that kept their
   * provisional expiry cost it nothing.
   */
  readonly sealWriteUnits: number;
}

/** The items an execution holds and the write units storing and sealing them cost. */
export async function executionWriteUnits(
  client: DynamoDBClient,
  tableName: string,
  executionId: string,
): Promise<ExecutionWriteCost> {
  let items = 0;
  let chunks = 0;
  let writeUnits = 0;
  let sealWriteUnits = 0;
  let sealExpiry: string | undefined;
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
      const units = Math.ceil(itemSize(item) / 1024);
      items++;
      writeUnits += units;
      // The record comes first (seq 0): once sealed, its expiry is the seal's.
      if (item.seq?.N === '0') sealExpiry = item.sealed_at === undefined ? undefined : item.expires_at?.N;
      if (item.seq?.N === '0' || item.seal_fence?.BOOL === true) {
        if (sealExpiry !== undefined) sealWriteUnits += units;
      } else {
        chunks++;
        if (sealExpiry !== undefined && item.expires_at?.N === sealExpiry) sealWriteUnits += units;
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { items, chunks, writeUnits, sealWriteUnits };
}
