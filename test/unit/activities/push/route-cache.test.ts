import { RouteCache } from '../../../../activities/push/route-cache';
import { InMemoryPushRegistry } from '../../../support/fake-push-registry';
import { InMemoryLogStore } from '../../../support/fakes';

const GROUP = '/logstream/executions';

async function world(n: number) {
  let now = 1_000_000;
  const registry = new InMemoryPushRegistry({ now: () => now });
  const store = new InMemoryLogStore();
  const streams = Array.from({ length: n }, (_, i) => ({ logGroup: GROUP, logStream: `external/job-${i}` }));
  for (const [i, stream] of streams.entries()) {
    const executionId = `exec-${i}`;
    await registry.putRoute({ ...stream, executionId });
    await store.registerExecution({
      executionId,
      location: { logGroup: GROUP, logStreams: [stream.logStream] },
      startedAt: 0,
      ingest: 'push',
    });
  }
  const routes = new RouteCache({ registry, store, now: () => now, missTtlMs: 1000 });
  return { registry, store, streams, routes, advance: (ms: number) => (now += ms) };
}

describe('RouteCache.resolveAll', () => {
  test('a wave of new streams costs one batch of routes and one of records, then nothing', async () => {
    const { registry, store, streams, routes } = await world(150);
    const targets = await routes.resolveAll(streams);
    expect(targets.map((target) => target?.executionId)).toEqual(streams.map((_, i) => `exec-${i}`));
    expect(targets[3]?.location).toEqual({ logGroup: GROUP, logStreams: ['external/job-3'] });
    expect(registry.calls.getRoutes).toBe(1);
    expect(registry.calls.getRoute).toBe(0);
    expect(store.calls.recordsOf).toBe(1);
    expect(store.calls.getExecution).toBe(0);

    expect(await routes.resolveAll(streams)).toEqual(targets);
    expect(registry.calls.getRoutes).toBe(1);
    expect(store.calls.recordsOf).toBe(1);
  });

  test('streams that are not logstream’s: no route, a polled execution, a sealed one', async () => {
    const { registry, store, streams, routes, advance } = await world(2);
    const polled = { logGroup: GROUP, logStream: 'external/polled' };
    await registry.putRoute({ ...polled, executionId: 'exec-polled' });
    await store.registerExecution({
      executionId: 'exec-polled',
      location: { logGroup: GROUP, logStreams: [polled.logStream] },
      startedAt: 0,
      ingest: 'poll',
    });
    const stranger = { logGroup: GROUP, logStream: 'someone/else' };
    routes.markSealed('exec-1');
    const targets = await routes.resolveAll([...streams, polled, stranger]);
    expect(targets.map((target) => target?.executionId)).toEqual(['exec-0', undefined, undefined, undefined]);
    expect(registry.calls.getRoutes).toBe(1);

    // A miss is asked again only once its TTL is over (the execution may register just after its first lines).
    await routes.resolveAll([stranger]);
    expect(registry.calls.getRoutes).toBe(1);
    advance(1001);
    await registry.putRoute({ ...stranger, executionId: 'exec-late' });
    const late = await routes.resolveAll([stranger]);
    expect(registry.calls.getRoutes).toBe(2);
    // Routed before its record exists: the routed stream alone, and the record is read again next time.
    expect(late[0]).toEqual({
      executionId: 'exec-late',
      location: { logGroup: GROUP, logStreams: [stranger.logStream] },
    });
    expect(store.calls.getExecution).toBe(1);
  });

  test('a failed batch is not remembered: the retry asks again, and gets the routes', async () => {
    const { registry, streams, routes } = await world(3);
    registry.failNext('getRoutes');
    await expect(routes.resolveAll(streams)).rejects.toMatchObject({ code: 'DYNAMODB_UNAVAILABLE' });
    const targets = await routes.resolveAll(streams);
    expect(targets.map((target) => target?.executionId)).toEqual(['exec-0', 'exec-1', 'exec-2']);
    expect(registry.calls.getRoutes).toBe(2);
  });
});
