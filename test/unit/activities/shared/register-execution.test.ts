import { MockActivityEnvironment } from '@temporalio/testing';
import {
  registerExecution,
  type PushSettings,
  type RegisterDeps,
} from '../../../../activities/shared/register-execution';
import type { LogLocation } from '../../../../src/domain';
import { DependencyError } from '../../../../src/ports';
import { InMemoryLogAudit } from '../../../support/fake-log-audit';
import { InMemoryPushRegistry } from '../../../support/fake-push-registry';
import { InMemoryLogStore } from '../../../support/fakes';

// Registration chooses an execution's ingest mode once, and routes a push execution's streams before it returns.

const GROUP = '/logstream/executions';
const ID = 'exec-1';
const location: LogLocation = { logGroup: GROUP, logStreams: ['executions/exec-1'] };

function setup(mode: PushSettings['mode'], subscribed = true) {
  const store = new InMemoryLogStore();
  const registry = new InMemoryPushRegistry();
  const audit = new InMemoryLogAudit();
  audit.subscribe(GROUP, subscribed);
  const deps: RegisterDeps = {
    store,
    registry,
    audit,
    push: { mode, streamName: 'logstream-log-events' },
    now: () => 1_700_000_000_000,
  };
  const register = (executionId = ID, where: LogLocation = location, external = false) =>
    new MockActivityEnvironment().run(registerExecution, deps, {
      executionId,
      location: where,
      ...(external ? { external } : {}),
    });
  return { store, registry, audit, register };
}

describe('registerExecution', () => {
  test('auto on a subscribed log group: push, the record says so and every stream is routed before it returns', async () => {
    const { store, registry, register } = setup('auto');
    expect(await register()).toEqual({ ingest: 'push' });
    expect(await store.getExecution(ID)).toMatchObject({ executionId: ID, location, ingest: 'push' });
    expect(await registry.getRoute(GROUP, 'executions/exec-1')).toEqual({
      logGroup: GROUP,
      logStream: 'executions/exec-1',
      executionId: ID,
    });
  });

  test('auto on a log group without the subscription: poll, and no route', async () => {
    const { store, registry, register } = setup('auto', false);
    expect(await register()).toEqual({ ingest: 'poll' });
    expect((await store.getExecution(ID))?.ingest).toBe('poll');
    expect(await registry.getRoute(GROUP, 'executions/exec-1')).toBeUndefined();
  });

  test('poll configured: poll without asking CloudWatch; push configured: push without asking', async () => {
    const polled = setup('poll');
    expect(await polled.register()).toEqual({ ingest: 'poll' });
    expect(polled.audit.calls.hasSubscription).toBe(0);
    const pushed = setup('push', false);
    expect(await pushed.register()).toEqual({ ingest: 'push' });
    expect(pushed.audit.calls.hasSubscription).toBe(0);
  });

  test('an external execution whose stream holds lines already is polled (its order kept); an empty one is pushed', async () => {
    const written = setup('push');
    written.audit.put(GROUP, 'executions/exec-1', [{ timestamp: 1, message: 'written before' }]);
    expect(await written.register(ID, location, true)).toEqual({ ingest: 'poll' });
    expect(await written.registry.getRoute(GROUP, 'executions/exec-1')).toBeUndefined();
    const empty = setup('push');
    expect(await empty.register(ID, location, true)).toEqual({ ingest: 'push' });
    expect(empty.audit.calls.DescribeLogStreams).toBe(1);
    // A managed execution's stream is written by its runner, after registration: not asked.
    const managed = setup('push');
    managed.audit.put(GROUP, 'executions/exec-1', [{ timestamp: 1, message: 'impossible, but not asked' }]);
    expect(await managed.register()).toEqual({ ingest: 'push' });
    expect(managed.audit.calls.DescribeLogStreams).toBe(0);
  });

  test('a stream that cannot be described: retried when the failure may pass, pushed when refused', async () => {
    const refused = setup('push');
    refused.audit.failNext(() => Object.assign(new Error('AccessDeniedException'), { retryable: false }));
    expect(await refused.register(ID, location, true)).toEqual({ ingest: 'push' });
    const flaky = setup('push');
    flaky.audit.failNext(() => new DependencyError('cloudwatch', 'DescribeLogStreams', new Error('timeout')));
    await expect(flaky.register(ID, location, true)).rejects.toMatchObject({ retryable: true });
  });

  test('chosen once: a retried registration keeps the stored mode even when the answer would now differ', async () => {
    const { audit, register } = setup('auto');
    expect(await register()).toEqual({ ingest: 'push' });
    audit.subscribe(GROUP, false);
    expect(await register()).toEqual({ ingest: 'push' });
  });

  test('a record written without a mode (an older version) is polled and gets no route', async () => {
    const { store, registry, register } = setup('auto');
    await store.registerExecution({ executionId: ID, location, startedAt: 1 });
    expect(await register()).toEqual({ ingest: 'poll' });
    expect(await registry.getRoute(GROUP, 'executions/exec-1')).toBeUndefined();
  });

  test('a stream routed to another execution (a reused external stream): polled, the other keeps its route', async () => {
    const { store, registry, register } = setup('auto');
    const shared: LogLocation = { logGroup: GROUP, logStreams: ['external/shared'] };
    expect(await register('first', shared)).toEqual({ ingest: 'push' });
    expect(await register('second', shared)).toEqual({ ingest: 'poll' });
    expect((await store.getExecution('second'))?.ingest).toBe('poll');
    expect((await registry.getRoute(GROUP, 'external/shared'))?.executionId).toBe('first');
  });

  test('losing the route race after choosing push is a non-retryable STREAM_ROUTED_ELSEWHERE failure', async () => {
    const { registry, register } = setup('auto');
    // Another execution takes the route between the check and the put.
    const getRoute = registry.getRoute.bind(registry);
    registry.getRoute = async (group, stream) => {
      const seen = await getRoute(group, stream);
      await registry.putRoute({ logGroup: group, logStream: stream, executionId: 'intruder' });
      return seen;
    };
    await expect(register()).rejects.toMatchObject({
      name: 'ApplicationFailure',
      type: 'STREAM_ROUTED_ELSEWHERE',
      nonRetryable: true,
    });
  });

  test('a retryable lookup failure is raised for the activity retry; a refusal means poll', async () => {
    const failing = setup('auto');
    failing.audit.failNext(() => new DependencyError('cloudwatch', 'DescribeSubscriptionFilters', new Error('503')));
    await expect(failing.register()).rejects.toMatchObject({ code: 'CLOUDWATCH_UNAVAILABLE', retryable: true });
    expect(await failing.store.getExecution(ID)).toBeUndefined();
    expect(await failing.register()).toEqual({ ingest: 'push' });

    const refused = setup('auto');
    refused.audit.failNext(
      () => new DependencyError('cloudwatch', 'DescribeSubscriptionFilters', new Error('AccessDenied'), false),
    );
    expect(await refused.register()).toEqual({ ingest: 'poll' });
  });

  test('a failing route write is retried by the activity and ends routed', async () => {
    const { registry, register } = setup('auto');
    registry.failNext('putRoute');
    await expect(register()).rejects.toMatchObject({ code: 'DYNAMODB_UNAVAILABLE' });
    expect(await register()).toEqual({ ingest: 'push' });
    expect((await registry.getRoute(GROUP, 'executions/exec-1'))?.executionId).toBe(ID);
  });
});
