import { randomUUID } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ShardTipsBook } from '../activities/push/shard-tips';
import { itemSize } from '../src/adapters/dynamodb/item-size';
import { shardTipsKey } from '../src/adapters/dynamodb/log-items';
import type { Config } from '../src/config';
import { createAwsAdapters } from '../src/compose/wiring';

/** Forwarder rounds a second while lines flow (GetRecords at 4 calls/s). */
const ROUNDS_PER_SECOND = 4;
/** Reads of the tips a second by each API process (every LOGSTREAM_POLL_MIN_MS, 100 ms by default). */
const TIP_READS_PER_SECOND = 10;
const SHARD = 'shardId-000000000000';

/**
 * What a shard's tips item costs, written as the forwarder writes it (simulated executions, every one appended to
 * each round, ids as logstream makes them) and measured on the stored item: write units a second for the forwarder
 * (one PutItem a round) and read units a second for each API process (one consistent read every 100 ms). For N
 * executions, with every tip published (the baseline: before the tips followed the watches) and with those of the
 * tailed executions only, for a tenth of them tailed.
 */
export async function benchTipsCost(config: Config, counts: readonly number[]): Promise<Record<string, number>> {
  const aws = createAwsAdapters(config);
  const figures: Record<string, number> = {};
  try {
    for (const n of counts) {
      // Ids as clients often make them (a UUID each): they compress little.
      const ids = Array.from({ length: n }, () => `job-${randomUUID()}`);
      const tailed = new Set(ids.filter((_, i) => i % 10 === 0));
      for (const [name, include] of [
        ['all', undefined],
        ['tailed_tenth', (id: string) => tailed.has(id)],
      ] as const) {
        const book = new ShardTipsBook();
        ids.forEach((id, i) => book.note(id, 1000 + i * 7, Date.now()));
        const taken = book.take(Date.now(), include);
        const streamName = `bench-tips-${n}-${name}`;
        await aws.registry.putShardTips({ streamName, shardId: SHARD, tips: taken.tips, updatedAt: Date.now() });
        const { Item } = await aws.dynamodb.send(
          new GetItemCommand({ TableName: config.table, Key: shardTipsKey(streamName, SHARD), ConsistentRead: true }),
        );
        const bytes = Item === undefined ? Number.NaN : itemSize(Item);
        const at = (figure: string): string => `n${n}_${name}_${figure}`;
        figures[at('published')] = taken.tips.size;
        figures[at('item_bytes')] = bytes;
        figures[at('forwarder_wcu_per_s')] = ROUNDS_PER_SECOND * Math.ceil(bytes / 1024);
        figures[at('api_process_rcu_per_s')] = TIP_READS_PER_SECOND * Math.ceil(bytes / 4096);
      }
    }
    return figures;
  } finally {
    aws.destroy();
  }
}
