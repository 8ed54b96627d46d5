// Sinks and helpers for tests of the shared tail (TailHub) over the in-memory store.
import { initialCursor, type LogstreamError } from '../../src/domain';
import type { EventBatch } from '../../src/ws/event-batch';
import type { FinalStatus, TailSink } from '../../src/ws/tail-interfaces';
import type { InMemoryLogStore } from './fake-log-store';

const cursor = initialCursor(['s']);

/** A sink that records everything; `slowMs` makes its backlog reads wait. */
export class RecordingSink implements TailSink {
  readonly indexes: number[] = [];
  readonly batches: EventBatch[] = [];
  final: FinalStatus | undefined;
  error: LogstreamError | undefined;
  readonly done: Promise<void>;
  private resolveDone: () => void = () => undefined;

  constructor(private readonly slowMs = 0) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  deliver(batch: EventBatch): void {
    this.batches.push(batch);
    for (const event of batch.events) this.indexes.push(event.index);
  }
  drained(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.slowMs));
  }
  finish(final: FinalStatus): void {
    this.final = final;
    this.resolveDone();
  }
  fail(error: LogstreamError): void {
    this.error = error;
    this.resolveDone();
  }
}

/** A sink whose backlog read stops after its first chunk until the test lets it go on: it falls behind the live feed. */
export class HeldSink extends RecordingSink {
  private release: () => void = () => undefined;
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));

  override drained(): Promise<void> {
    return this.released;
  }
  letGo(): void {
    this.release();
  }
}

/** Polls `condition` (the fakes run on timers) until it holds, or fails after a generous bound naming `what`. */
export async function until(what: string, condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 30_000; !condition(); await pause(2)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

/** Appends events `first`..`first + count - 1` (message `m<index>`) as one chunk of `executionId`. */
export async function appendEvents(
  store: InMemoryLogStore,
  executionId: string,
  first: number,
  count: number,
): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => ({ timestamp: 1000 + first + i, message: `m${first + i}` }));
  await store.appendChunk(executionId, { seq: first, last: first + count - 1, events, cursor });
}

/** Registers `executionId` in the store. */
export async function registerExecution(store: InMemoryLogStore, executionId: string): Promise<void> {
  await store.registerExecution({ executionId, location: { logGroup: 'g', logStreams: ['s'] }, startedAt: 0 });
}

/** The indexes `from`..`to`. */
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Waits `ms` (the fakes' own clocks, never a test's assertion on time). */
export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
