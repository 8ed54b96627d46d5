// Determinism and failure injection shared by the in-memory fakes.

/** A deterministic pseudo-random generator (mulberry32) returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Yields to the event loop 0..maxTicks times (seeded), so that concurrent callers interleave. */
export function jitter(seed: number, maxTicks = 3): () => Promise<void> {
  const random = seededRandom(seed);
  return async () => {
    const ticks = Math.floor(random() * (maxTicks + 1));
    for (let i = 0; i < ticks; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };
}

/** A latency that adds none. */
export const noLatency = (): Promise<void> => Promise.resolve();

/** One scheduled failure of an operation. */
export interface InjectedFailure {
  /** Calls of the operation still to let through before failing. */
  after: number;
  count: number;
  error: () => unknown;
  /** Fail after the operation took effect (a lost response); appendChunk only. */
  applied: boolean;
}

/** Failure injection shared by both fakes: the next `count` calls of an operation throw. */
export class FailureSchedule<Op extends string> {
  private readonly scheduled = new Map<Op, InjectedFailure[]>();

  add(operation: Op, failure: InjectedFailure): void {
    const list = this.scheduled.get(operation) ?? [];
    list.push(failure);
    this.scheduled.set(operation, list);
  }

  /** The failure this call of `operation` must suffer, if any (consumes it). */
  take(operation: Op): InjectedFailure | undefined {
    const list = this.scheduled.get(operation);
    const current = list?.[0];
    if (!list || !current) return undefined;
    if (current.after > 0) {
      current.after--;
      return undefined;
    }
    current.count--;
    if (current.count <= 0) list.shift();
    return current;
  }
}
