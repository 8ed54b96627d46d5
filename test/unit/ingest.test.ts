import { MockActivityEnvironment } from '@temporalio/testing';
import { ingest, type IngestProgress } from '../../activities/ingest';
import type { LogLocation } from '../../src/domain';
import { InMemoryLogSource, InMemoryLogStore } from '../support/fakes';

const location: LogLocation = { logGroup: '/g', logStreams: ['s'] };

describe('ingest activity', () => {
  it('rides out CloudWatch and DynamoDB failures with back-off, skipping nothing, until cancelled', async () => {
    const store = new InMemoryLogStore();
    const source = new InMemoryLogSource({ pageSize: 50 });
    const messages = Array.from({ length: 120 }, (_, i) => `line ${i + 1}`);
    source.append('/g', 's', messages.slice(0, 60), 1000);
    source.failNext(3);
    store.failNext('appendChunk', 2);
    const env = new MockActivityEnvironment();
    const heartbeats: IngestProgress[] = [];
    let second = false;
    env.on('heartbeat', (details: IngestProgress) => {
      heartbeats.push(details);
      // More lines arrive while it runs; cancel once everything is stored.
      if (details.lastIndex === 60 && !second) {
        second = true;
        source.append('/g', 's', messages.slice(60), 2000);
      }
      if (details.lastIndex === 120) env.cancel();
    });
    await expect(
      env.run(
        ingest,
        { store, source, pacing: { minMs: 1, maxMs: 8 }, expiresAt: () => 2e9 },
        { executionId: 'e', location },
      ),
    ).rejects.toMatchObject({ name: 'CancelledFailure' });
    const stored: string[] = [];
    for await (const chunk of store.readChunks('e', 1)) stored.push(...chunk.events.map((e) => e.message));
    expect(stored).toEqual(messages);
    // The injected failures happened (failed calls are counted too) and were ridden out.
    expect(source.calls.GetLogEvents).toBeGreaterThan(3);
    expect(store.calls.appendChunk).toBeGreaterThan(2);
    expect(heartbeats.at(-1)?.lastIndex).toBe(120);
  });
});
