import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Item } from './log-items';
import type { TableTarget } from './observed-call';

// BatchGetItem takes at most 100 keys per call.
const BATCH_GET_KEYS = 100;

/** What a batch read of one table brought back. */
export interface BatchGetResult {
  /** The items found, in no particular order. */
  readonly items: Item[];
  /**
   * The keys DynamoDB left unprocessed (throttling, an answer over 16 MB): not read, so not known to be absent. Each
   * caller has its own policy for them.
   */
  readonly unprocessed: Item[];
}

/** Reads the items at `keys` (distinct keys; consistent reads) in BatchGetItem calls of up to 100 keys each. */
export async function batchGetItems(target: TableTarget, keys: readonly Item[]): Promise<BatchGetResult> {
  const items: Item[] = [];
  const unprocessed: Item[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
    const group = keys.slice(start, start + BATCH_GET_KEYS);
    const result = await target.call('BatchGetItem', () =>
      target.client.send(
        new BatchGetItemCommand({ RequestItems: { [target.table]: { Keys: group, ConsistentRead: true } } }),
      ),
    );
    items.push(...(result.Responses?.[target.table] ?? []));
    unprocessed.push(...(result.UnprocessedKeys?.[target.table]?.Keys ?? []));
  }
  return { items, unprocessed };
}
