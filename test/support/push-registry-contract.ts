// The PushRegistry contract, run against the in-memory fake (unit) and the DynamoDB adapter on the
// local stack (integration): the fake is held to what the adapter does against the real emulator.
import { randomUUID } from 'node:crypto';
import type { PushRegistry } from '../../src/ports';

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  throw new Error('expected a rejection');
}

/** Defines the contract's tests for the registry `make()` returns (called once per test). */
export function describePushRegistryContract(name: string, make: () => PushRegistry | Promise<PushRegistry>): void {
  describe(`${name}: the PushRegistry contract`, () => {
    const group = '/logstream/executions';
    const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

    test('the first route of a stream wins, and is returned to every later caller', async () => {
      const registry = await make();
      const stream = unique('external/job');
      expect(await registry.getRoute(group, stream)).toBeUndefined();
      const first = { logGroup: group, logStream: stream, executionId: unique('exec') };
      expect(await registry.putRoute(first)).toEqual(first);
      expect(await registry.putRoute({ ...first, executionId: unique('other') })).toEqual(first);
      expect(await registry.putRoute(first)).toEqual(first);
      expect(await registry.getRoute(group, stream)).toEqual(first);
    });

    test('getRoutes answers many streams in the order asked, missing and repeated ones included (past 100 keys)', async () => {
      const registry = await make();
      const tag = unique('many');
      const routes = Array.from({ length: 130 }, (_, i) => ({
        logGroup: group,
        logStream: `${tag}/${i}`,
        executionId: `${tag}-exec-${i}`,
      }));
      await Promise.all(routes.map((route) => registry.putRoute(route)));
      const asked = [
        ...routes.map(({ logGroup, logStream }) => ({ logGroup, logStream })),
        { logGroup: group, logStream: `${tag}/none` },
        { logGroup: group, logStream: `${tag}/7` },
        { logGroup: `${group}/other`, logStream: `${tag}/3` },
      ];
      expect(await registry.getRoutes(asked)).toEqual([...routes, undefined, routes[7], undefined]);
      expect(await registry.getRoutes([])).toEqual([]);
    });

    test('racing routes of one stream agree on one execution', async () => {
      const registry = await make();
      const stream = unique('racing');
      const ids = Array.from({ length: 6 }, () => unique('exec'));
      const answers = await Promise.all(
        ids.map((executionId) => registry.putRoute({ logGroup: group, logStream: stream, executionId })),
      );
      const winner = answers[0]?.executionId;
      expect(ids).toContain(winner);
      expect(answers.every((answer) => answer.executionId === winner)).toBe(true);
      expect((await registry.getRoute(group, stream))?.executionId).toBe(winner);
    });

    test('streams are told apart exactly, names at the limits included (512 characters, any Unicode)', async () => {
      const registry = await make();
      const tag = unique('t');
      const longGroup = `/g/${tag}/${'g'.repeat(512 - 4 - tag.length)}`;
      const longStream = `${tag}/${'中'.repeat(512 - 1 - tag.length)}`;
      const routes = [
        { logGroup: group, logStream: `${tag}/a`, executionId: 'e1' },
        { logGroup: group, logStream: `${tag}/A`, executionId: 'e2' },
        { logGroup: `${group}/${tag}`, logStream: 'a', executionId: 'e3' },
        { logGroup: longGroup, logStream: longStream, executionId: 'e4' },
        { logGroup: longGroup, logStream: `${longStream.slice(0, -1)}x`, executionId: 'e5' },
      ];
      expect(longGroup).toHaveLength(512);
      expect(longStream).toHaveLength(512);
      for (const route of routes) expect(await registry.putRoute(route)).toEqual(route);
      for (const route of routes) expect(await registry.getRoute(route.logGroup, route.logStream)).toEqual(route);
    });

    test('a route with an empty name or execution is refused with INVALID_INPUT', async () => {
      const registry = await make();
      expect(await codeOf(registry.putRoute({ logGroup: '', logStream: 's', executionId: 'e' }))).toBe('INVALID_INPUT');
      expect(await codeOf(registry.putRoute({ logGroup: group, logStream: '', executionId: 'e' }))).toBe(
        'INVALID_INPUT',
      );
      expect(await codeOf(registry.putRoute({ logGroup: group, logStream: 's', executionId: '' }))).toBe(
        'INVALID_INPUT',
      );
    });

    test('shard progress only moves forward; stale reports are ignored, not errors', async () => {
      const registry = await make();
      const streamName = unique('logstream-log-events');
      const shard = (shardId: string, caughtUpTo: number, closed = false, updatedAt = caughtUpTo + 1) => ({
        streamName,
        shardId,
        caughtUpTo,
        closed,
        updatedAt,
      });
      expect(await registry.listShardProgress(streamName)).toEqual([]);
      await registry.putShardProgress(shard('shardId-000000000000', 1000));
      await registry.putShardProgress(shard('shardId-000000000000', 900)); // a restarted forwarder, behind
      await registry.putShardProgress(shard('shardId-000000000001', 0));
      await registry.putShardProgress(shard('shardId-000000000001', 2000, true));
      await registry.putShardProgress(shard('shardId-000000000001', 3000, false)); // closed stays closed
      await registry.putShardProgress(shard('shardId-000000000000', 1000, false, 5000)); // same point, later report
      const byShard = (list: { shardId: string }[]) => [...list].sort((a, b) => a.shardId.localeCompare(b.shardId));
      expect(byShard(await registry.listShardProgress(streamName))).toEqual([
        shard('shardId-000000000000', 1000, false, 5000),
        shard('shardId-000000000001', 2000, true),
      ]);
    });

    test('a closed report behind the reported point still closes the shard, which keeps its point', async () => {
      const registry = await make();
      const streamName = unique('logstream-log-events');
      const shardId = 'shardId-000000000002';
      await registry.putShardProgress({ streamName, shardId, caughtUpTo: 5000, closed: false, updatedAt: 5001 });
      // Another round of the shard's forwarder reached the end from an earlier read: the shard is closed all the same.
      await registry.putShardProgress({ streamName, shardId, caughtUpTo: 4000, closed: true, updatedAt: 6000 });
      expect(await registry.listShardProgress(streamName)).toEqual([
        { streamName, shardId, caughtUpTo: 5000, closed: true, updatedAt: 6000 },
      ]);
    });

    test('shard ids Kinesis would not make are kept apart too; other streams do not mix in', async () => {
      const registry = await make();
      const streamName = unique('s');
      const ids = ['shardId-000000000007', 'shardId-7', 'custom-shard', 'shardId-' + '9'.repeat(40)];
      for (const [i, shardId] of ids.entries()) {
        await registry.putShardProgress({ streamName, shardId, caughtUpTo: i, closed: false, updatedAt: i });
      }
      await registry.putShardProgress({
        streamName: unique('other'),
        shardId: ids[0] ?? '',
        caughtUpTo: 9,
        closed: false,
        updatedAt: 9,
      });
      const listed = await registry.listShardProgress(streamName);
      expect(listed.map((p) => p.shardId).sort()).toEqual([...ids].sort());
      expect(listed.find((p) => p.shardId === 'shardId-7')?.caughtUpTo).toBe(1);
    });

    test('the checkpoint rides on the progress reports; a report without one keeps the last', async () => {
      const registry = await make();
      const streamName = unique('s');
      const shardId = 'shardId-000000000000';
      const checkpoint = '49590338271490256608559692538361571095921575989136588898';
      await registry.putShardProgress({ streamName, shardId, caughtUpTo: 0, closed: false, updatedAt: 1 });
      expect((await registry.listShardProgress(streamName))[0]?.checkpoint).toBeUndefined();
      await registry.putShardProgress({
        streamName,
        shardId,
        caughtUpTo: 0,
        closed: false,
        updatedAt: 2,
        checkpoint,
        checkpointAt: 1500,
      });
      await registry.putShardProgress({ streamName, shardId, caughtUpTo: 3000, closed: false, updatedAt: 3 });
      expect(await registry.listShardProgress(streamName)).toEqual([
        { streamName, shardId, caughtUpTo: 3000, closed: false, updatedAt: 3, checkpoint, checkpointAt: 1500 },
      ]);
      // A stale report's checkpoint is ignored with the rest of it.
      await registry.putShardProgress({
        streamName,
        shardId,
        caughtUpTo: 10,
        closed: false,
        updatedAt: 4,
        checkpoint: '1',
        checkpointAt: 1,
      });
      expect((await registry.listShardProgress(streamName))[0]?.checkpoint).toBe(checkpoint);
    });

    test('what was read past the held events rides on the reports with its watches; a report without them keeps the last', async () => {
      const registry = await make();
      const streamName = unique('s');
      const shardId = 'shardId-000000000000';
      const base = { streamName, shardId, closed: false };
      await registry.putShardProgress({ ...base, caughtUpTo: 1000, updatedAt: 1, readUpTo: 5000, watchesAsOf: 4000 });
      await registry.putShardProgress({ ...base, caughtUpTo: 1000, updatedAt: 2, readUpTo: 6000, watchesAsOf: 5500 });
      await registry.putShardProgress({ ...base, caughtUpTo: 2000, updatedAt: 3 });
      expect(await registry.listShardProgress(streamName)).toEqual([
        { ...base, caughtUpTo: 2000, updatedAt: 3, readUpTo: 6000, watchesAsOf: 5500 },
      ]);
      expect(await codeOf(registry.putShardProgress({ ...base, caughtUpTo: 1, updatedAt: 4, readUpTo: -5 }))).toBe(
        'INVALID_INPUT',
      );
      expect(await codeOf(registry.putShardProgress({ ...base, caughtUpTo: 1, updatedAt: 4, watchesAsOf: 1.5 }))).toBe(
        'INVALID_INPUT',
      );
    });

    test('loss windows are recorded once each, kept by later reports, and listed with the progress', async () => {
      const registry = await make();
      const streamName = unique('s');
      const window = { from: 1000, to: 90_000_000, afterSequenceNumber: '4959', detectedAt: 90_000_100 };
      // On a shard with no progress yet: the item then claims nothing but the loss.
      await registry.recordShardLoss(streamName, 'shardId-000000000001', window);
      expect(await registry.listShardProgress(streamName)).toEqual([
        {
          streamName,
          shardId: 'shardId-000000000001',
          caughtUpTo: 0,
          closed: false,
          updatedAt: window.detectedAt,
          lossWindows: [window],
        },
      ]);
      await registry.recordShardLoss(streamName, 'shardId-000000000001', window); // a retried call
      const later = { ...window, afterSequenceNumber: '5000', from: 95_000_000, to: 99_000_000 };
      await registry.recordShardLoss(streamName, 'shardId-000000000001', later);
      await registry.putShardProgress({
        streamName,
        shardId: 'shardId-000000000001',
        caughtUpTo: 99_000_000,
        closed: false,
        updatedAt: 99_000_001,
        checkpoint: '6000',
        checkpointAt: 98_000_000,
      });
      const [listed] = await registry.listShardProgress(streamName);
      expect(listed?.lossWindows).toEqual([window, later]);
      expect(listed).toMatchObject({ caughtUpTo: 99_000_000, checkpoint: '6000', checkpointAt: 98_000_000 });
    });

    test('a loss window or checkpoint that is not one is refused with INVALID_INPUT', async () => {
      const registry = await make();
      const window = { from: 1, to: 2, afterSequenceNumber: '4959', detectedAt: 3 };
      expect(await codeOf(registry.recordShardLoss('s', '', window))).toBe('INVALID_INPUT');
      expect(await codeOf(registry.recordShardLoss('s', 'x', { ...window, afterSequenceNumber: '' }))).toBe(
        'INVALID_INPUT',
      );
      expect(await codeOf(registry.recordShardLoss('s', 'x', { ...window, to: 1.5 }))).toBe('INVALID_INPUT');
      const good = { streamName: 's', shardId: 'shardId-000000000000', caughtUpTo: 1, closed: false, updatedAt: 1 };
      expect(await codeOf(registry.putShardProgress({ ...good, checkpoint: 'latest' }))).toBe('INVALID_INPUT');
    });

    test('bad progress is refused with INVALID_INPUT', async () => {
      const registry = await make();
      const good = { streamName: 's', shardId: 'shardId-000000000000', caughtUpTo: 1, closed: false, updatedAt: 1 };
      expect(await codeOf(registry.putShardProgress({ ...good, shardId: '' }))).toBe('INVALID_INPUT');
      expect(await codeOf(registry.putShardProgress({ ...good, caughtUpTo: -1 }))).toBe('INVALID_INPUT');
      expect(await codeOf(registry.putShardProgress({ ...good, updatedAt: 1.5 }))).toBe('INVALID_INPUT');
    });

    test('watches: an execution is watched until its watch ends, renewed by a later one; other streams do not mix in', async () => {
      const registry = await make();
      const ids = Array.from({ length: 30 }, (_, i) => `watched-${i}`);
      await registry.putWatches('w1', ids, 2000);
      await registry.putWatches('w1', ['watched-0'], 5000);
      await registry.putWatches('w2', ['elsewhere'], 5000);
      expect([...(await registry.readWatches('w1', 1000))].sort()).toEqual([...ids].sort());
      expect([...(await registry.readWatches('w1', 3000))]).toEqual(['watched-0']);
      expect(await registry.readWatches('w1', 5000)).toEqual(new Set());
      expect(await codeOf(registry.putWatches('w1', [''], 1))).toBe('INVALID_INPUT');
      expect(await codeOf(registry.putWatches('w1', ['x'], 1.5))).toBe('INVALID_INPUT');
    });
  });
}
