import {
  DescribeSubscriptionFiltersCommand,
  PutSubscriptionFilterCommand,
  type CloudWatchLogsClient,
  type SubscriptionFilter,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { ensureSubscription, forwardsEverythingTo } from '../../../../src/adapters/cloudwatch/subscription';
import { ensureKinesisStream } from '../../../../src/adapters/kinesis/provision';
import { ensurePushDelivery } from '../../../../src/compose/push-provisioning';
import { runProvision } from '../../../../src/main/provision';
import { awsError } from '../../../support/fakes';

// Provisioning against stand-ins for Kinesis and CloudWatch that answer as the API references say: CreateStream
// refuses an existing name (ResourceInUseException) and a new stream is CREATING before ACTIVE; a log group holds at
// most two subscription filters. The command's refusals need no AWS at all.

const ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/logstream-log-events';
const ROLE = 'arn:aws:iam::123456789012:role/logstream-subscription';

function fakeKinesis(
  options: { exists?: boolean; creatingFor?: number; createError?: Error; createdByOther?: boolean } = {},
) {
  const calls: string[] = [];
  let exists = options.exists ?? false;
  let creating = options.creatingFor ?? 0;
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof CreateStreamCommand) {
      calls.push(
        `CreateStream ${command.input.StreamModeDetails?.StreamMode ?? '?'} ${command.input.ShardCount ?? '-'}`,
      );
      if (options.createError) throw options.createError;
      if (options.createdByOther) {
        exists = true;
        throw awsError('ResourceInUseException');
      }
      if (exists) throw awsError('ResourceInUseException');
      exists = true;
      return {};
    }
    if (command instanceof DescribeStreamSummaryCommand) {
      calls.push('DescribeStreamSummary');
      if (!exists) throw awsError('ResourceNotFoundException');
      const status = creating-- > 0 ? 'CREATING' : 'ACTIVE';
      return {
        StreamDescriptionSummary: {
          StreamName: command.input.StreamName,
          StreamARN: ARN,
          StreamStatus: status,
          OpenShardCount: 2,
        },
      };
    }
    throw new TypeError(`unexpected ${String(command)}`);
  };
  return { client: { send } as unknown as KinesisClient, calls };
}

function fakeLogs(filters: SubscriptionFilter[] = [], groupExists = true) {
  const calls: string[] = [];
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof DescribeSubscriptionFiltersCommand) {
      calls.push('DescribeSubscriptionFilters');
      if (!groupExists) throw awsError('ResourceNotFoundException');
      const prefix = command.input.filterNamePrefix ?? '';
      return { subscriptionFilters: filters.filter((f) => (f.filterName ?? '').startsWith(prefix)) };
    }
    if (command instanceof PutSubscriptionFilterCommand) {
      calls.push('PutSubscriptionFilter');
      if (!groupExists) throw awsError('ResourceNotFoundException');
      const input = command.input;
      const existing = filters.findIndex((f) => f.filterName === input.filterName);
      if (existing < 0 && filters.length >= 2)
        throw awsError('LimitExceededException', 400, 'Resource limit exceeded.');
      const filter = { ...input, logGroupName: input.logGroupName };
      if (existing < 0) filters.push(filter);
      else filters[existing] = filter;
      return {};
    }
    throw new TypeError(`unexpected ${String(command)}`);
  };
  return { client: { send } as unknown as CloudWatchLogsClient, calls, filters };
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('ensureKinesisStream', () => {
  test('creates the stream and waits until it is ACTIVE', async () => {
    const kinesis = fakeKinesis({ creatingFor: 2 });
    const stream = await ensureKinesisStream(kinesis.client, 'logstream-log-events', 2, { pollMs: 1 });
    expect(stream).toEqual({ streamName: 'logstream-log-events', streamArn: ARN, openShards: 2, created: true });
    expect(kinesis.calls).toEqual([
      'DescribeStreamSummary',
      'CreateStream PROVISIONED 2',
      'DescribeStreamSummary',
      'DescribeStreamSummary',
      'DescribeStreamSummary',
    ]);
  });

  test('on-demand: created in ON_DEMAND mode, without a shard count', async () => {
    const kinesis = fakeKinesis({ creatingFor: 1 });
    await expect(
      ensureKinesisStream(kinesis.client, 'logstream-log-events', 'on-demand', { pollMs: 1 }),
    ).resolves.toMatchObject({ created: true });
    expect(kinesis.calls).toContain('CreateStream ON_DEMAND -');
  });

  test('an existing stream is kept as it is, and only described (no kinesis:CreateStream needed)', async () => {
    const kinesis = fakeKinesis({ exists: true });
    await expect(ensureKinesisStream(kinesis.client, 'logstream-log-events', 4)).resolves.toMatchObject({
      created: false,
      openShards: 2,
    });
    expect(kinesis.calls).toEqual(['DescribeStreamSummary']);
  });

  test('a stream another process creates meanwhile is waited for', async () => {
    const kinesis = fakeKinesis({ createdByOther: true, creatingFor: 1 });
    const raced = await ensureKinesisStream(kinesis.client, 'logstream-log-events', 1, { pollMs: 1 });
    expect(raced).toMatchObject({ created: false, streamArn: ARN });
    expect(kinesis.calls).toEqual([
      'DescribeStreamSummary',
      'CreateStream PROVISIONED 1',
      'DescribeStreamSummary',
      'DescribeStreamSummary',
    ]);
  });

  test('a stream that never becomes ACTIVE, or a refused creation, is a ProvisionError saying so', async () => {
    const slow = fakeKinesis({ creatingFor: 1_000_000 });
    const late = await rejection(
      ensureKinesisStream(slow.client, 'logstream-log-events', 1, { pollMs: 1, maxWaitMs: 5 }),
    );
    expect(late).toMatchObject({ code: 'PROVISION_FAILED' });
    expect(late.message).toContain('still CREATING');
    const full = fakeKinesis({ createError: awsError('LimitExceededException', 400, 'shard limit') });
    const limit = await rejection(ensureKinesisStream(full.client, 'logstream-log-events', 1));
    expect(limit.message).toMatch(/^Kinesis stream logstream-log-events: the account's shard limit is reached/);
  });
});

describe('ensureSubscription', () => {
  const spec = { logGroup: '/g', streamArn: ARN, roleArn: ROLE };

  test('puts the filter once: empty pattern, ByLogStream, to the stream through the role', async () => {
    const logs = fakeLogs();
    expect(await ensureSubscription(logs.client, spec)).toBe('created');
    expect(logs.filters).toEqual([
      {
        logGroupName: '/g',
        filterName: 'logstream-forwarder',
        filterPattern: '',
        destinationArn: ARN,
        roleArn: ROLE,
        distribution: 'ByLogStream',
      },
    ]);
    expect(await ensureSubscription(logs.client, spec)).toBe('unchanged');
    expect(logs.calls.filter((c) => c === 'PutSubscriptionFilter')).toHaveLength(1);
  });

  test('a filter of that name that would lose events or their order is replaced', async () => {
    const logs = fakeLogs([
      {
        filterName: 'logstream-forwarder',
        filterPattern: 'ERROR',
        destinationArn: ARN,
        roleArn: ROLE,
        distribution: 'Random',
      },
      { filterName: 'other', filterPattern: '', destinationArn: ARN, roleArn: ROLE },
    ]);
    expect(await ensureSubscription(logs.client, spec)).toBe('updated');
    expect(logs.filters[0]).toMatchObject({ filterPattern: '', distribution: 'ByLogStream' });
  });

  test('two filters of others: refused, with the fix in the message', async () => {
    const logs = fakeLogs([{ filterName: 'a' }, { filterName: 'b' }]);
    const error = await rejection(ensureSubscription(logs.client, spec));
    expect(error.code).toBe('PROVISION_FAILED');
    expect(error.message).toContain('two subscription filters already');
  });

  test('forwardsEverythingTo accepts only an unfiltered, ordered delivery to that stream', () => {
    const good: SubscriptionFilter = { filterName: 'logstream-forwarder', filterPattern: '', destinationArn: ARN };
    expect(forwardsEverythingTo(good, 'logstream-log-events')).toBe(true);
    expect(forwardsEverythingTo({ ...good, distribution: 'ByLogStream' }, 'logstream-log-events')).toBe(true);
    expect(forwardsEverythingTo(good, 'logstream-log')).toBe(false);
    expect(forwardsEverythingTo({ ...good, filterPattern: '?ERROR' }, 'logstream-log-events')).toBe(false);
    expect(forwardsEverythingTo({ ...good, distribution: 'Random' }, 'logstream-log-events')).toBe(false);
    expect(forwardsEverythingTo({ ...good, fieldSelectionCriteria: '@aws.region = "x"' }, 'logstream-log-events')).toBe(
      false,
    );
    expect(forwardsEverythingTo({ ...good, applyOnTransformedLogs: true }, 'logstream-log-events')).toBe(false);
    const firehose = 'arn:aws:firehose:us-east-1:123456789012:deliverystream/logstream-log-events';
    expect(forwardsEverythingTo({ ...good, destinationArn: firehose }, 'logstream-log-events')).toBe(false);
    expect(forwardsEverythingTo(undefined, 'logstream-log-events')).toBe(false);
  });
});

describe('ensurePushDelivery', () => {
  const settings = {
    ingest: 'auto' as const,
    logGroup: '/g',
    kinesisStream: 'logstream-log-events',
    kinesisShards: 1,
    subscriptionRoleArn: ROLE as string | undefined,
    awsRegion: 'eu-west-1',
  };

  test('poll, and auto without a role, provision nothing', async () => {
    const kinesis = fakeKinesis();
    const logs = fakeLogs();
    const clients = { kinesis: kinesis.client, cloudwatch: logs.client };
    await expect(ensurePushDelivery(clients, { ...settings, ingest: 'poll' })).resolves.toMatchObject({
      kind: 'skipped',
    });
    await expect(ensurePushDelivery(clients, { ...settings, subscriptionRoleArn: undefined })).resolves.toMatchObject({
      kind: 'skipped',
      reason: expect.stringContaining('LOGSTREAM_SUBSCRIPTION_ROLE_ARN'),
    });
    expect([...kinesis.calls, ...logs.calls]).toEqual([]);
  });

  test('push without a role is an error that names the role to create', async () => {
    const clients = { kinesis: fakeKinesis().client, cloudwatch: fakeLogs().client };
    const error = await rejection(
      ensurePushDelivery(clients, { ...settings, ingest: 'push', subscriptionRoleArn: undefined }),
    );
    expect(error.code).toBe('PROVISION_FAILED');
    expect(error.message).toContain('logs.amazonaws.com');
    expect(error.message).toContain('arn:aws:kinesis:eu-west-1:ACCOUNT_ID:stream/logstream-log-events');
  });

  test('auto with a role: the stream, then the filter to its ARN', async () => {
    const logs = fakeLogs();
    const result = await ensurePushDelivery({ kinesis: fakeKinesis().client, cloudwatch: logs.client }, settings);
    expect(result).toEqual({ kind: 'ready', streamArn: ARN, openShards: 2, streamCreated: true, filter: 'created' });
    expect(logs.filters[0]?.destinationArn).toBe(ARN);
  });
});

describe('npm run provision', () => {
  test('refuses real AWS without a subscription role, printing the trust and permission policies (no AWS call)', async () => {
    const lines: string[] = [];
    const code = await runProvision({ LOGSTREAM_AWS: 'real', AWS_REGION: 'eu-central-1' }, (line) => lines.push(line));
    expect(code).toBe(2);
    const text = lines.join('\n');
    expect(text).toContain('needs LOGSTREAM_SUBSCRIPTION_ROLE_ARN');
    expect(text).toContain('"Service":"logs.amazonaws.com"');
    expect(text).toContain('"aws:SourceArn":"arn:aws:logs:eu-central-1:ACCOUNT_ID:*"');
    expect(text).toContain('"Action":"kinesis:PutRecord"');
    expect(text).toContain('LOGSTREAM_INGEST=poll');
  });

  test('a bad setting exits 2 naming the variable', async () => {
    const lines: string[] = [];
    expect(await runProvision({ LOGSTREAM_KINESIS_SHARDS: '0' }, (line) => lines.push(line))).toBe(2);
    expect(lines.join('\n')).toContain('LOGSTREAM_KINESIS_SHARDS');
  });
});
