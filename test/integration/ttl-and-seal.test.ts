import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DynamoDbLogStore } from '../../src/adapters/dynamodb/dynamodb-log-store';
import { executionWriteUnits } from '../../src/adapters/dynamodb/item-size';
import { fenceItem } from '../../src/adapters/dynamodb/log-items';
import { sealExpiresAt, type LogLocation } from '../../src/domain';
import { LogPump, readStoredEvents } from '../../src/ports';
import { newExecutionId, startHarness, waitFor, waitSealed, type Harness } from '../support/harness';
import { runningExternal, writeLines } from '../support/external-job';
import { strictAws } from '../support/strict-aws';

type Item = Record<string, AttributeValue>;
const DAY_MS = 86_400_000;

/** Every item of an execution, read from the table directly with the SDK (expired or not). */
async function itemsOf(h: Harness, executionId: string): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await h.aws.dynamodb.send(
      new QueryCommand({
        TableName: h.config.table,
        KeyConditionExpression: 'execution_id = :id',
        ExpressionAttributeValues: { ':id': { S: executionId } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** seq → expires_at (undefined when the item has none). */
async function expiries(h: Harness, executionId: string): Promise<Map<number, number | undefined>> {
  const items = await itemsOf(h, executionId);
  return new Map(
    items.map((item) => [
      Number(item.seq?.N),
      item.expires_at?.N === undefined ? undefined : Number(item.expires_at.N),
    ]),
  );
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Pumps until the store refuses an append for good and returns that error. Lost races (CHUNK_CONFLICT)
 * and retryable dependency errors (the strict layer's read quota) are what concurrent writers meet: go on.
 */
async function refusal(
  pump: LogPump,
  stopped: () => boolean = () => false,
): Promise<{ code?: string; retryable?: boolean }> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !stopped()) {
    try {
      await pump.pump();
    } catch (error) {
      const e = error as { code?: string; retryable?: boolean };
      if (e.code !== 'CHUNK_CONFLICT' && e.retryable !== true) return e;
    }
    // Paced like the ingester, within the account's read quota.
    await pause(100);
  }
  throw new Error(
    stopped() ? 'the writer was stopped before the store refused it' : 'the store never refused the writer',
  );
}

/** The expiry the seal must have given: retention from max(completed_at, sealed_at). */
async function expectedExpiry(h: Harness, executionId: string): Promise<number> {
  const record = await h.aws.dynamodb.send(
    new GetItemCommand({
      TableName: h.config.table,
      Key: { execution_id: { S: executionId }, seq: { N: '0' } },
      ConsistentRead: true,
    }),
  );
  const completedAt = Number(record.Item?.completed_at?.N);
  const sealedAt = Number(record.Item?.sealed_at?.N);
  return sealExpiresAt(completedAt, sealedAt, h.config.ttlDays * 86_400);
}

describe('TTL: every item expires in the end, none before its retention; the seal rewrites no chunk', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** Seconds an item of an unsealed log lives after its write. */
  const unsealedTtlSeconds = (): number => (h.config.unsealedTtlDays + h.config.ttlDays) * 86_400;

  it('a running external execution: every item carries a provisional expiry; the seal gives the record its own and leaves the chunks', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `running line ${i + 1} ${'x'.repeat(80)}`);
    const before = Math.floor(Date.now() / 1000);
    const id = await runningExternal(h, 'ttl-running', lines);
    const after = Math.ceil(Date.now() / 1000);
    const running = await expiries(h, id);
    expect(running.size).toBeGreaterThan(1);
    // A log that is never sealed (its workflow terminated) goes in the end: write time + unsealed TTL + retention.
    for (const [seq, expiresAt] of running) {
      expect({ seq, inWindow: expiresAt !== undefined && expiresAt >= before + unsealedTtlSeconds() }).toEqual({
        seq,
        inWindow: true,
      });
      expect(expiresAt).toBeLessThanOrEqual(after + unsealedTtlSeconds());
    }

    await h.client.getHandle(id).complete({ status: 'SUCCEEDED', completedAt: new Date().toISOString() });
    const view = await waitSealed(h.client, id);
    expect(view.lastIndex).toBe(lines.length);
    const expected = await expectedExpiry(h, id);
    const sealed = await expiries(h, id);
    // The record, every chunk, and the fence the seal put at last_index + 1.
    expect([...sealed.keys()].sort((a, b) => a - b)).toEqual(
      [...[...running.keys()], lines.length + 1].sort((a, b) => a - b),
    );
    expect([sealed.get(0), sealed.get(lines.length + 1)]).toEqual([expected, expected]);
    // The chunks keep the expiry they were written with, later than the seal's: none expires before its retention.
    for (const [seq, expiresAt] of sealed) {
      if (seq === 0 || seq === lines.length + 1) continue;
      expect({ seq, expiresAt }).toEqual({ seq, expiresAt: running.get(seq) });
      expect(expiresAt).toBeGreaterThan(expected);
    }
    expect(expected * 1000).toBeGreaterThan(Date.now() + (h.config.ttlDays - 1) * DAY_MS);
    // The seal's own writes: the fence and the record (each under 1 KB, so a unit each), whatever the log's length.
    const cost = await executionWriteUnits(h.aws.dynamodb, h.config.table, id);
    expect(cost.chunks).toBe(running.size - 1);
    expect(cost.sealWriteUnits).toBe(2);
  });

  it('an old completed_at cannot make the drain write items that are already expired', async () => {
    const id = await runningExternal(h, 'ttl-old-completion', ['reported late', 'by an external runner']);
    // The runner reports a completion older than the whole retention.
    const completedAt = Date.now() - (h.config.ttlDays + 3) * DAY_MS;
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED', completedAt });
    await waitSealed(h.client, id);
    const expected = await expectedExpiry(h, id);
    expect(expected * 1000).toBeGreaterThan(Date.now() + (h.config.ttlDays - 1) * DAY_MS);
    const sealed = await expiries(h, id);
    for (const [seq, expiresAt] of sealed)
      expect({ seq, lastsLongEnough: (expiresAt ?? 0) >= expected }).toEqual({ seq, lastsLongEnough: true });
    const page = await h.client.getHandle(id).logs();
    expect(page).toMatchObject({ sealed: true, source: 'dynamodb', lastIndex: 2 });
    expect(page.events.map((e) => e.message)).toEqual(['reported late', 'by an external runner']);
  });

  it('a log sealed after its provisional expiry would come: the seal gives each chunk that would expire first its own', async () => {
    const id = newExecutionId('ttl-long-run');
    const location = { logGroup: h.config.logGroup, logStreams: [`external/${id}`] };
    const lines = Array.from({ length: 1200 }, (_, i) => `long run line ${i + 1} ${'y'.repeat(200)}`);
    // Written as if registered and stored 10 days ago, by a store whose unsealed items live 5 days past retention.
    const past = new DynamoDbLogStore({
      client: h.aws.dynamodb,
      tableName: h.config.table,
      now: () => Date.now() - 10 * DAY_MS,
      unsealedTtlSeconds: (h.config.ttlDays + 5) * 86_400,
    });
    await past.registerExecution({ executionId: id, location, startedAt: Date.now() - 10 * DAY_MS });
    await writeLines(h, `external/${id}`, lines);
    const pump = new LogPump(past, h.aws.source, {
      executionId: id,
      location,
      chunkLimits: { maxBytes: 64 * 1024, maxEvents: 8000 },
    });
    await waitFor('lines stored', async () => ((await pump.pump()).tip.lastIndex === lines.length ? true : undefined));
    const written = await expiries(h, id);
    expect(written.size).toBeGreaterThan(2);
    const sealedAt = Date.now();
    const expiresAt = sealExpiresAt(sealedAt, sealedAt, h.config.ttlDays * 86_400);
    // Each item would expire (in 2 days) before the seal's retention (7 days from now).
    for (const [seq, at] of written) expect({ seq, early: (at ?? Infinity) < expiresAt }).toEqual({ seq, early: true });

    await h.aws.store.sealLog(
      id,
      { status: 'SUCCEEDED', completedAt: sealedAt, lastIndex: lines.length, sealedAt },
      expiresAt,
    );
    const sealed = await expiries(h, id);
    for (const [seq, at] of sealed) expect({ seq, at }).toEqual({ seq, at: expiresAt });
  });
});

describe('the seal at the store (DynamoDB through the strict layer)', () => {
  let h: Harness;
  // Stops and awaits what a test left running in the background (also when it timed out: afterEach still runs).
  let stopBackground: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterEach(async () => {
    await stopBackground?.();
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function storedExecution(prefix: string, lines: string[]): Promise<{ id: string; location: LogLocation }> {
    const id = newExecutionId(prefix);
    const location = { logGroup: h.config.logGroup, logStreams: [`external/${id}`] };
    await h.aws.store.registerExecution({ executionId: id, location, startedAt: Date.now() });
    await writeLines(h, `external/${id}`, lines);
    const pump = new LogPump(h.aws.store, h.aws.source, { executionId: id, location });
    await waitFor('lines stored', async () => ((await pump.pump()).tip.lastIndex === lines.length ? true : undefined));
    return { id, location };
  }

  it('never recreates a deleted record', async () => {
    const { id } = await storedExecution('seal-deleted', ['a', 'b']);
    await h.aws.dynamodb.send(
      new DeleteItemCommand({ TableName: h.config.table, Key: { execution_id: { S: id }, seq: { N: '0' } } }),
    );
    const now = Date.now();
    await expect(
      h.aws.store.sealLog(id, { status: 'SUCCEEDED', completedAt: now, lastIndex: 2, sealedAt: now }, 2e9),
    ).rejects.toMatchObject({ code: 'EXECUTION_NOT_FOUND' });
    // Only the chunk is left, with the provisional expiry it was written with (not the refused seal's).
    const left = await expiries(h, id);
    expect([...left.keys()]).toEqual([1]);
    expect(left.get(1)).not.toBe(2e9);
    expect(left.get(1)).toBeLessThanOrEqual(
      Math.ceil(Date.now() / 1000) + (h.config.unsealedTtlDays + h.config.ttlDays) * 86_400,
    );
  });

  it('after the seal no chunk can be appended; a seal behind a late chunk is refused', async () => {
    const { id, location } = await storedExecution('seal-fence', ['one', 'two']);
    const now = Date.now();
    // A late writer stored index 3 after the drain read its tip at 2: that seal must not stand.
    await writeLines(h, `external/${id}`, ['three']);
    const late = new LogPump(h.aws.store, h.aws.source, { executionId: id, location });
    await waitFor('late line stored', async () => ((await late.pump()).tip.lastIndex === 3 ? true : undefined));
    const seal = { status: 'SUCCEEDED' as const, completedAt: now, lastIndex: 2, sealedAt: now };
    await expect(h.aws.store.sealLog(id, seal, 2e9)).rejects.toMatchObject({ code: 'CHUNK_CONFLICT' });
    expect((await h.aws.store.getExecution(id))?.seal).toBeUndefined();

    await h.aws.store.sealLog(id, { ...seal, lastIndex: 3 }, 2e9);
    await writeLines(h, `external/${id}`, ['after the seal']);
    const leftover = new LogPump(h.aws.store, h.aws.source, { executionId: id, location });
    expect(await refusal(leftover)).toMatchObject({ code: 'LOG_SEALED', retryable: false });
    const page = await readStoredEvents(h.aws.store, id, 0, 100, 3);
    expect(page.events.map((e) => e.message)).toEqual(['one', 'two', 'three']);
    expect((await h.aws.store.latestChunk(id))?.last).toBe(3);
  });

  it('a seal stopped between its fence and its record: appends are refused, and the next attempt finishes it', async () => {
    const { id, location } = await storedExecution('seal-half', ['one', 'two']);
    // The first attempt put its fence and stopped (or lost the reply) before sealing the record.
    await h.aws.dynamodb.send(
      new PutItemCommand({
        TableName: h.config.table,
        Item: fenceItem(id, 2, 2e9),
        ConditionExpression: 'attribute_not_exists(seq)',
      }),
    );
    expect((await h.aws.store.getExecution(id))?.seal).toBeUndefined();
    await writeLines(h, `external/${id}`, ['after the fence']);
    const leftover = new LogPump(h.aws.store, h.aws.source, { executionId: id, location });
    expect(await refusal(leftover)).toMatchObject({ code: 'LOG_SEALED', retryable: false });

    const now = Date.now();
    const seal = { status: 'SUCCEEDED' as const, completedAt: now, lastIndex: 2, sealedAt: now };
    expect(await h.aws.store.sealLog(id, seal, 2e9)).toEqual(seal);
    expect((await h.aws.store.getExecution(id))?.seal).toMatchObject({ status: 'SUCCEEDED', lastIndex: 2 });
    const items = await itemsOf(h, id);
    expect(items.map((item) => [Number(item.seq?.N), item.seal_fence?.BOOL ?? false])).toEqual([
      [0, false],
      [1, false],
      [3, true],
    ]);
    const page = await readStoredEvents(h.aws.store, id, 0, 100, 2);
    expect(page.events.map((e) => e.message)).toEqual(['one', 'two']);
  });

  it('concurrent writers racing a seal: the sealed log is exact and nothing lands after it', async () => {
    const id = newExecutionId('seal-race');
    const stream = `external/${id}`;
    const location = { logGroup: h.config.logGroup, logStreams: [stream] };
    await h.aws.store.registerExecution({ executionId: id, location, startedAt: Date.now() });
    await writeLines(
      h,
      stream,
      Array.from({ length: 500 }, (_, i) => `before ${i + 1}`),
    );
    const statsBefore = (await strictAws().stats()).operations;
    // Bounded: the job stops on its own after MAX_LINES lines, and at once when the test ends (passed or not).
    const MAX_LINES = 10_000;
    let writing = true;
    let written = 500;
    const more = (count: number): string[] => Array.from({ length: count }, (_, i) => `more ${written + i + 1}`);
    /** The job's lines after the first 500, up to line `last`. */
    const moreUpTo = (last: number): string[] => Array.from({ length: last - 500 }, (_, i) => `more ${500 + i + 1}`);
    // The job keeps writing while the writers and the seal race.
    const job = (async () => {
      while (writing && written < MAX_LINES) {
        await writeLines(h, stream, more(50));
        written += 50;
        await pause(20);
      }
    })();
    const writer = (): Promise<{ code?: string }> =>
      refusal(
        new LogPump(h.aws.store, h.aws.source, {
          executionId: id,
          location,
          chunkLimits: { maxBytes: 4000, maxEvents: 40 },
        }),
        () => !writing,
      );
    const writers = [writer(), writer(), writer()];
    let stopping: Promise<void> | undefined;
    stopBackground = () =>
      (stopping ??= (async () => {
        writing = false;
        await Promise.allSettled(writers);
        await job;
      })());
    try {
      await waitFor('writers storing', async () => ((await h.aws.store.latestChunk(id))?.last ?? 0) > 600 || undefined);
      // The drain's seal: pump to a tip, then seal it; a writer that got past the tip first makes it try again.
      const drain = new LogPump(h.aws.store, h.aws.source, { executionId: id, location });
      const sealed = await sealRacing(drain, id, () => !writing);
      // Lines after the seal (the job may have reached its bound): each writer reads them and must stop at the
      // seal, refused by it.
      await writeLines(h, stream, more(50));
      written += 50;
      const outcomes = await Promise.all(writers);
      expect(outcomes.map((error) => error.code)).toEqual(['LOG_SEALED', 'LOG_SEALED', 'LOG_SEALED']);
      const page = await readStoredEvents(h.aws.store, id, 0, 100_000, sealed);
      expect(page.events.map((e) => e.index)).toEqual(Array.from({ length: sealed }, (_, i) => i + 1));
      // The sealed log is what the job wrote, line for line: its first `sealed` lines, in the order written.
      const wrote = [...Array.from({ length: 500 }, (_, i) => `before ${i + 1}`), ...moreUpTo(written)];
      expect(sealed).toBeLessThanOrEqual(written);
      expect(page.events.map((e) => e.message)).toEqual(wrote.slice(0, sealed));
      // Nothing but the fence past the seal.
      const past = (await itemsOf(h, id)).filter((item) => Number(item.seq?.N) > sealed);
      expect(past.map((item) => [Number(item.seq?.N), item.seal_fence?.BOOL])).toEqual([[sealed + 1, true]]);
      // All of it went through the strict layer, which took the conditional puts and updates as valid.
      const stats = (await strictAws().stats()).operations;
      for (const operation of ['dynamodb:UpdateItem', 'dynamodb:PutItem']) {
        const [before, after] = [statsBefore[operation], stats[operation]];
        expect({ operation, calls: (after?.calls ?? 0) > (before?.calls ?? 0) }).toEqual({ operation, calls: true });
        expect({ operation, rejected: (after?.rejected ?? 0) - (before?.rejected ?? 0) }).toEqual({
          operation,
          rejected: 0,
        });
      }
    } finally {
      await stopBackground();
    }
  });

  /** The drain's side of the race: pump to a tip and seal it; a writer past the tip first makes it go again. */
  async function sealRacing(drain: LogPump, id: string, stopped: () => boolean): Promise<number> {
    while (!stopped()) {
      const lastIndex = (await drain.pump().catch(() => drain.loadTip().then((tip) => ({ tip })))).tip.lastIndex;
      try {
        const now = Date.now();
        const seal = { status: 'SUCCEEDED' as const, completedAt: now, lastIndex, sealedAt: now };
        return (await h.aws.store.sealLog(id, seal, 2e9)).lastIndex;
      } catch (error) {
        if ((error as { code?: string }).code !== 'CHUNK_CONFLICT') throw error;
        await drain.loadTip();
      }
    }
    throw new Error('the test ended before the drain sealed the log');
  }
});
