import {
  DescribeSubscriptionFiltersCommand,
  FilterLogEventsCommand,
  type CloudWatchLogsClient,
  type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchLogSource } from '../../../../src/adapters/cloudwatch/cloudwatch-log-source';
import { SubscriptionLookup } from '../../../../src/adapters/cloudwatch/log-audit-reads';
import { encodeMessage } from '../../../../src/domain';
import { awsError } from '../../../support/fakes';

// The CloudWatch source's LogAudit side against a stand-in answering as the API reference says: a missing log group
// is ResourceNotFoundException; FilterLogEvents takes a limit of 1..10,000 and pages with nextToken.

const ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/logstream-log-events';

function fakeLogs(groups: Record<string, { destinationArn: string } | null>, events: FilteredLogEvent[] = []) {
  const calls: unknown[] = [];
  let failNext: Error | undefined;
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof DescribeSubscriptionFiltersCommand) {
      calls.push('DescribeSubscriptionFilters');
      if (failNext) {
        const error = failNext;
        failNext = undefined;
        throw error;
      }
      const group = command.input.logGroupName ?? '';
      if (!(group in groups))
        throw awsError('ResourceNotFoundException', 400, 'The specified log group does not exist.');
      const filter = groups[group];
      return {
        subscriptionFilters: filter ? [{ filterName: 'logstream-forwarder', filterPattern: '', ...filter }] : [],
      };
    }
    if (command instanceof FilterLogEventsCommand) {
      const input = command.input;
      calls.push(input);
      if (!((input.logGroupName ?? '') in groups)) throw awsError('ResourceNotFoundException');
      const limit = input.limit ?? 10_000;
      if (limit < 1 || limit > 10_000) throw awsError('InvalidParameterException');
      const start = Number(input.nextToken ?? 0);
      const from = events.filter((e) => (e.timestamp ?? 0) >= (input.startTime ?? 0));
      const page = from.slice(start, start + limit);
      return { events: page, ...(start + limit < from.length ? { nextToken: String(start + limit) } : {}) };
    }
    throw new TypeError(`unexpected ${String(command)}`);
  };
  return {
    client: { send } as unknown as CloudWatchLogsClient,
    calls,
    failOnce: (error: Error) => {
      failNext = error;
    },
  };
}

describe('CloudWatchLogSource.hasSubscription', () => {
  test('true only for a group with logstream’s filter to the configured stream', async () => {
    const logs = fakeLogs({ '/sub': { destinationArn: ARN }, '/none': null, '/other': { destinationArn: `${ARN}-2` } });
    const source = new CloudWatchLogSource({ client: logs.client, kinesisStream: 'logstream-log-events' });
    expect(await source.hasSubscription('/sub')).toBe(true);
    expect(await source.hasSubscription('/none')).toBe(false);
    expect(await source.hasSubscription('/other')).toBe(false);
    expect(await source.hasSubscription('/missing')).toBe(false);
    const unconfigured = new CloudWatchLogSource({ client: logs.client });
    expect(await unconfigured.hasSubscription('/sub')).toBe(false);
  });

  test('one lookup per group a minute, shared by concurrent callers; a failed lookup is not kept', async () => {
    const logs = fakeLogs({ '/sub': { destinationArn: ARN } });
    let now = 0;
    const observed: string[] = [];
    const lookup = new SubscriptionLookup(
      logs.client,
      async (operation, send) => {
        observed.push(operation);
        return send();
      },
      'logstream-log-events',
      () => now,
    );
    expect(await Promise.all([lookup.has('/sub'), lookup.has('/sub'), lookup.has('/sub')])).toEqual([true, true, true]);
    now += 59_999;
    expect(await lookup.has('/sub')).toBe(true);
    expect(logs.calls).toHaveLength(1);
    now += 1;
    logs.failOnce(awsError('ThrottlingException'));
    await expect(lookup.has('/sub')).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(await lookup.has('/sub')).toBe(true);
    expect(logs.calls).toHaveLength(3);
    expect(observed).toEqual([
      'DescribeSubscriptionFilters',
      'DescribeSubscriptionFilters',
      'DescribeSubscriptionFilters',
    ]);
  });

  test('errors reach the caller as DependencyErrors, observed', async () => {
    const logs = fakeLogs({ '/sub': { destinationArn: ARN } });
    const seen: string[] = [];
    const source = new CloudWatchLogSource({
      client: logs.client,
      kinesisStream: 'logstream-log-events',
      observe: (dependency, operation, ok) => seen.push(`${dependency} ${operation} ${ok}`),
    });
    logs.failOnce(awsError('ThrottlingException'));
    await expect(source.hasSubscription('/sub')).rejects.toMatchObject({
      code: 'CLOUDWATCH_UNAVAILABLE',
      throttled: true,
    });
    expect(seen).toEqual(['cloudwatch DescribeSubscriptionFilters false']);
  });
});

describe('CloudWatchLogSource.filterStream', () => {
  const events: FilteredLogEvent[] = [
    { eventId: '3001', timestamp: 10, message: 'a', logStreamName: 's' },
    { eventId: '3002', timestamp: 11, message: encodeMessage(''), logStreamName: 's' },
    { eventId: '3003', timestamp: 12, message: 'c', logStreamName: 's' },
  ];

  test('one page of one stream from startTime, with ids; messages are the job’s lines', async () => {
    const logs = fakeLogs({ '/g': null }, events);
    const source = new CloudWatchLogSource({ client: logs.client });
    const page = await source.filterStream('/g', 's', { startTime: 11 });
    expect(page).toEqual({
      events: [
        { eventId: '3002', timestamp: 11, message: '' },
        { eventId: '3003', timestamp: 12, message: 'c' },
      ],
      nextToken: undefined,
    });
    expect(logs.calls[0]).toMatchObject({ logGroupName: '/g', logStreamNames: ['s'], startTime: 11, limit: 10_000 });
  });

  test('a limit pages, within FilterLogEvents bounds', async () => {
    const logs = fakeLogs({ '/g': null }, events);
    const source = new CloudWatchLogSource({ client: logs.client });
    const first = await source.filterStream('/g', 's', { limit: 2 });
    expect(first.events.map((e) => e.eventId)).toEqual(['3001', '3002']);
    const second = await source.filterStream('/g', 's', { limit: 50_000, nextToken: first.nextToken });
    expect(second).toMatchObject({ events: [{ eventId: '3003' }], nextToken: undefined });
    await source.filterStream('/g', 's', { limit: 0 });
    expect(logs.calls.map((c) => (c as { limit?: number }).limit)).toEqual([2, 10_000, 1]);
  });

  test('a log group that does not exist has no events', async () => {
    const logs = fakeLogs({}, events);
    const source = new CloudWatchLogSource({ client: logs.client });
    await expect(source.filterStream('/missing', 's', {})).resolves.toEqual({ events: [], nextToken: undefined });
    expect(logs.calls).toHaveLength(1);
  });
});
