// The account-wide read budget on the local stack's DynamoDB (through the strict layer): every process takes its
// FilterLogEvents calls from one counter per second, so the budget holds however many processes there are.
import { DynamoDbReadBudget } from '../../src/adapters/dynamodb/dynamodb-read-budget';
import { createAwsAdapters, type AwsAdapters } from '../../src/compose/wiring';
import { newExecutionId, testConfig } from '../support/harness';

let aws: AwsAdapters;

beforeAll(() => {
  aws = createAwsAdapters(testConfig());
});
afterAll(() => aws.destroy());

describe('DynamoDbReadBudget', () => {
  test('two processes share 2 calls a second: the third call waits for the next second', async () => {
    // A virtual clock far from the wall clock's seconds, so no other test shares these counters.
    let now = Date.parse('2031-01-01T00:00:00.000Z') + Math.floor(Math.random() * 1e6) * 1000;
    const waits: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      waits.push(ms);
      now += ms;
    };
    const operation = `FilterLogEvents-${newExecutionId('budget')}`;
    const budget = (random: number) =>
      new DynamoDbReadBudget({
        client: aws.dynamodb,
        tableName: testConfig().table,
        callsPerSecond: 2,
        now: () => now,
        sleep,
        random: () => random,
      });
    const [first, second] = [budget(0), budget(0.5)];
    const start = now;
    await first.take(operation);
    await second.take(operation);
    expect(waits).toEqual([]);
    await first.take(operation);
    // Refused in the spent second, taken in the next one.
    expect(waits).toEqual([1000]);
    expect(Math.floor(now / 1000)).toBe(Math.floor(start / 1000) + 1);
    await second.take(operation);
    expect(waits).toHaveLength(1);
    await second.take(operation);
    expect(waits).toEqual([1000, 1050]);
  });

  test('a budget below one call a second is refused at construction', () => {
    expect(
      () => new DynamoDbReadBudget({ client: aws.dynamodb, tableName: testConfig().table, callsPerSecond: 0 }),
    ).toThrow(RangeError);
  });
});
