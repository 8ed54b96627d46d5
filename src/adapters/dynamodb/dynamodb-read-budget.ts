import { UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CallObserver, ReadBudget } from '../../ports';
import { isConditionFailure } from './condition-failures';
import { observedCall } from './observed-call';

/** Options of the DynamoDB read budget. */
export interface DynamoDbReadBudgetOptions {
  readonly client: DynamoDBClient;
  /** The log table: the budget's counters live beside the logs, under `#read-budget:` partition keys. */
  readonly tableName: string;
  /** Calls per second, per operation, for all of logstream's processes together. */
  readonly callsPerSecond: number;
  readonly observe?: CallObserver;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

// A counter item outlives its second by this much, then expires (TTL).
const COUNTER_TTL_SECONDS = 120;

/**
 * The read budget as one counter item per operation and second in the log table: a call takes a unit with a
 * conditional `ADD` (refused once the second's count reached the limit), and waits for the next second when refused.
 * Every process shares the counter, so the budget holds for the account, whatever the number of processes; it costs
 * one small write per CloudWatch read (the reads it guards are rare: the seal's proof of logs without a count).
 */
export class DynamoDbReadBudget implements ReadBudget {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: DynamoDbReadBudgetOptions) {
    if (!Number.isInteger(options.callsPerSecond) || options.callsPerSecond < 1) {
      throw new RangeError(`callsPerSecond must be a positive integer, got ${options.callsPerSecond}`);
    }
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  async take(operation: string): Promise<void> {
    for (;;) {
      const second = Math.floor(this.now() / 1000);
      try {
        await observedCall(this.options.observe ?? (() => undefined), 'UpdateItem', () =>
          this.options.client.send(
            new UpdateItemCommand({
              TableName: this.options.tableName,
              Key: { execution_id: { S: `#read-budget:${operation}` }, seq: { N: String(second) } },
              UpdateExpression: 'ADD calls :one SET expires_at = :expires',
              ConditionExpression: 'attribute_not_exists(calls) OR calls < :limit',
              ExpressionAttributeValues: {
                ':one': { N: '1' },
                ':limit': { N: String(this.options.callsPerSecond) },
                ':expires': { N: String(second + COUNTER_TTL_SECONDS) },
              },
            }),
          ),
        );
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      // This second's budget is spent: try again in the next one, spread so that waiting processes do not collide.
      const next = (second + 1) * 1000;
      await this.sleep(Math.max(0, next - this.now()) + Math.floor(this.random() * 100));
    }
  }
}
